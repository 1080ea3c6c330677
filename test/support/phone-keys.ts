/**
 * Phone keys for the suites, the way production configures them (with a DATABASE_URL they are required):
 * two encryption keys so rotation can be exercised, the first one active.
 */
export const TEST_PHONE_KEYS = {
  PHONE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 'test-key-one').toString('base64')},k0:${Buffer.alloc(32, 'test-key-zero').toString('base64')}`,
  PHONE_ENCRYPTION_KEY_ID: 'k1',
  PHONE_HASH_KEY: Buffer.alloc(32, 'test-hash-key').toString('base64'),
} as const;
