import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'crypto';

/**
 * A phone number as it is stored: never in clear. `hash` is a keyed hash (HMAC-SHA256, hex) of the E.164
 * form, the same for the same number under the same hash key, so equality look-ups (dedup within a task,
 * the firm's cooling period and do-not-call list) run on an index without decrypting anything. `enc` is the
 * number under AES-256-GCM (base64 of IV ‖ ciphertext ‖ tag) and `keyId` names the key that sealed it, so
 * keys can be rotated: old rows stay readable while their key is still configured, new rows use the active one.
 */
export interface SealedPhone {
  hash: string;
  enc: string;
  keyId: string;
}

export interface PhoneKeys {
  /** Seals every new number. */
  activeKeyId: string;
  /** Every key that may still have sealed a stored number, by id (32 bytes each). */
  encryptionKeys: ReadonlyMap<string, Buffer>;
  /** The HMAC key of the blind index (≥ 32 bytes). Changing it orphans every stored hash: it is not rotated. */
  hashKey: Buffer;
}

/**
 * The key id of an erased number (a candidate's erasure, PIPL): the ciphertext is gone (`enc` empty) and only the
 * keyed hash stays, as the do-not-call entry that keeps the number from being called again. Outside the key-id
 * pattern, so no configured key can ever carry it; `PhoneVault.open` refuses it like any unknown key.
 */
export const ERASED_KEY_ID = '!erased';

/** The sealed columns of an erased number: the hash kept, the ciphertext replaced by the erased marker. */
export function erasedSealed(hash: string): SealedPhone {
  return { hash, enc: '', keyId: ERASED_KEY_ID };
}

/** Whether a stored number was erased (its ciphertext replaced by the erased marker). */
export function isErasedSealed(sealed: { keyId: string }): boolean {
  return sealed.keyId === ERASED_KEY_ID;
}

/** Raised when a stored number cannot be opened: its key is no longer configured, or the value was altered. */
export class PhoneVaultError extends Error {}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the CSPRNG at once (12 KB): one call per 1,024 sealings rather than one each (~4 µs a call). */
const IV_POOL = 1024;
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

/** Seals, opens and hashes phone numbers. Pure: the keys come from configuration (see {@link phoneKeysFromEnv}). */
export class PhoneVault {
  private readonly activeKey: Buffer;
  /** The active key's id as the AAD every sealing binds. */
  private readonly activeAad: Buffer;
  /** Random bytes not yet used as an IV, from `ivAt` on; every IV is used once, then the pool is refilled. */
  private ivPool = Buffer.alloc(0);
  private ivAt = 0;

  constructor(private readonly keys: PhoneKeys) {
    const active = keys.encryptionKeys.get(keys.activeKeyId);
    if (!active)
      throw new PhoneVaultError(`the active phone key "${keys.activeKeyId}" is not among the configured keys`);
    this.activeKey = active;
    this.activeAad = Buffer.from(keys.activeKeyId, 'utf8');
  }

  get activeKeyId(): string {
    return this.keys.activeKeyId;
  }

  /** The blind index of an E.164 number. */
  hash(e164: string): string {
    return createHmac('sha256', this.keys.hashKey).update(e164, 'utf8').digest('hex');
  }

  seal(e164: string): SealedPhone {
    return { hash: this.hash(e164), ...this.sealText(e164) };
  }

  /**
   * Any personal text sealed the way numbers are (AES-256-GCM under the active key, opened by `open`, resealed by
   * `npm run phones:rekey` where its table is listed), without the keyed hash: what a candidate said on a call is
   * never looked up by equality, and hashing a 20,000-character transcript would be wasted work.
   */
  sealText(text: string): Omit<SealedPhone, 'hash'> {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.activeKey, iv);
    cipher.setAAD(this.activeAad);
    const body = cipher.update(text, 'utf8');
    const tail = cipher.final(); // empty for GCM, a stream mode; kept for exactness
    const sealed = Buffer.allocUnsafe(IV_BYTES + body.length + tail.length + TAG_BYTES);
    iv.copy(sealed, 0);
    body.copy(sealed, IV_BYTES);
    tail.copy(sealed, IV_BYTES + body.length);
    cipher.getAuthTag().copy(sealed, IV_BYTES + body.length + tail.length);
    return { enc: sealed.toString('base64'), keyId: this.keys.activeKeyId };
  }

  /**
   * A fresh random IV (96 bits, as GCM wants them), taken from a pool the CSPRNG fills 1,024 IVs at a time: each
   * is used once, so IVs are exactly as random and as unique as one `randomBytes(12)` a sealing would give.
   */
  private nextIv(): Buffer {
    if (this.ivAt + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomFillSync(Buffer.allocUnsafe(IV_BYTES * IV_POOL));
      this.ivAt = 0;
    }
    const iv = this.ivPool.subarray(this.ivAt, this.ivAt + IV_BYTES);
    this.ivAt += IV_BYTES;
    return iv;
  }

  open(sealed: { enc: string; keyId: string }): string {
    const key = this.keys.encryptionKeys.get(sealed.keyId);
    if (!key) throw new PhoneVaultError(`phone key "${sealed.keyId}" is not configured (PHONE_ENCRYPTION_KEYS)`);
    const raw = Buffer.from(sealed.enc, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES + 1) throw new PhoneVaultError('sealed phone number is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(sealed.keyId, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new PhoneVaultError(
        `sealed phone number does not open with key "${sealed.keyId}" (altered, or the wrong key)`,
      );
    }
  }
}

/**
 * Keys for the embedded database only (a newcomer's first run, the demo, tests): public, so worthless as
 * secrets. With a DATABASE_URL (production) the keys must be configured: see {@link phoneKeysFromEnv}.
 */
const DEV_KEYS = {
  PHONE_ENCRYPTION_KEYS: `dev:${Buffer.alloc(32, 'ai-visitor-dev-encryption-key').toString('base64')}`,
  PHONE_HASH_KEY: Buffer.alloc(32, 'ai-visitor-dev-hash-key').toString('base64'),
};

export interface PhoneKeyEnv {
  DATABASE_URL?: string;
  PHONE_ENCRYPTION_KEYS?: string;
  PHONE_ENCRYPTION_KEY_ID?: string;
  PHONE_HASH_KEY?: string;
}

/**
 * Reads the keys from the environment:
 * - `PHONE_ENCRYPTION_KEYS`: `id:base64key[,id:base64key…]`, each key 32 random bytes (`openssl rand -base64 32`);
 * - `PHONE_ENCRYPTION_KEY_ID`: the id that seals new numbers (default: the first listed);
 * - `PHONE_HASH_KEY`: base64 of at least 32 random bytes.
 * Unset with the embedded database: public development keys. Unset with a DATABASE_URL: an error.
 */
export function phoneKeysFromEnv(env: PhoneKeyEnv): PhoneKeys {
  const embedded = !env.DATABASE_URL;
  const keysText = env.PHONE_ENCRYPTION_KEYS || (embedded ? DEV_KEYS.PHONE_ENCRYPTION_KEYS : undefined);
  const hashText = env.PHONE_HASH_KEY || (embedded ? DEV_KEYS.PHONE_HASH_KEY : undefined);
  if (!keysText || !hashText) {
    throw new PhoneVaultError('PHONE_ENCRYPTION_KEYS and PHONE_HASH_KEY must be set when DATABASE_URL is set');
  }
  const encryptionKeys = parseEncryptionKeys(keysText);
  const activeKeyId = env.PHONE_ENCRYPTION_KEY_ID || [...encryptionKeys.keys()][0];
  if (!encryptionKeys.has(activeKeyId)) {
    throw new PhoneVaultError(
      `PHONE_ENCRYPTION_KEY_ID "${activeKeyId}" is not one of the ids in PHONE_ENCRYPTION_KEYS`,
    );
  }
  const hashKey = Buffer.from(hashText, 'base64');
  if (hashKey.length < 32) throw new PhoneVaultError('PHONE_HASH_KEY must be the base64 of at least 32 bytes');
  return { activeKeyId, encryptionKeys, hashKey };
}

/** Parses PHONE_ENCRYPTION_KEYS; throws a {@link PhoneVaultError} naming what is wrong. */
export function parseEncryptionKeys(text: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id))
      throw new PhoneVaultError(
        'PHONE_ENCRYPTION_KEYS entries must look like id:base64key (id: 1-16 of A-Z a-z 0-9 _ -)',
      );
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32)
      throw new PhoneVaultError(`PHONE_ENCRYPTION_KEYS key "${id}" must be the base64 of exactly 32 bytes`);
    if (keys.has(id)) throw new PhoneVaultError(`PHONE_ENCRYPTION_KEYS lists key "${id}" twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new PhoneVaultError('PHONE_ENCRYPTION_KEYS lists no key');
  return keys;
}
