import { PhoneVault, PhoneVaultError, phoneKeysFromEnv } from './phone-vault';

const key = (fill: string) => Buffer.alloc(32, fill).toString('base64');
const env = {
  DATABASE_URL: 'mysql://root@db:3306/aiv',
  PHONE_ENCRYPTION_KEYS: `new:${key('new')},old:${key('old')}`,
  PHONE_ENCRYPTION_KEY_ID: 'new',
  PHONE_HASH_KEY: key('hash'),
};

describe('PhoneVault', () => {
  const vault = new PhoneVault(phoneKeysFromEnv(env));

  it('seals a number so that only the key opens it, never the same ciphertext twice', () => {
    const a = vault.seal('+8613912345678');
    const b = vault.seal('+8613912345678');
    expect(a.keyId).toBe('new');
    expect(a.enc).not.toContain('13912345678');
    expect(Buffer.from(a.enc, 'base64').toString('latin1')).not.toContain('13912345678');
    expect(a.enc).not.toBe(b.enc); // a fresh IV each time: equal numbers are not equal ciphertexts
    expect(vault.open(a)).toBe('+8613912345678');
    expect(vault.open(b)).toBe('+8613912345678');
  });

  it('seals other text the same way, without a hash: a transcript opens back whole, never the same ciphertext twice', () => {
    const transcript = '机器人：您好。\n候选人：我对这个机会挺感兴趣。'.repeat(300);
    const a = vault.sealText(transcript);
    const b = vault.sealText(transcript);
    expect(Object.keys(a).sort()).toEqual(['enc', 'keyId']);
    expect(a.keyId).toBe('new');
    expect(Buffer.from(a.enc, 'base64').toString('utf8')).not.toContain('候选人');
    expect(a.enc).not.toBe(b.enc);
    expect(vault.open(a)).toBe(transcript);
    expect(() => vault.open({ ...a, keyId: 'old' })).toThrow(PhoneVaultError); // bound to the key that sealed it
  });

  it('never uses an IV twice, across the refills of its pool of random IVs', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const sealed = vault.sealText('a');
      ivs.add(Buffer.from(sealed.enc, 'base64').subarray(0, 12).toString('hex'));
      if (i % 997 === 0) expect(vault.open(sealed)).toBe('a');
    }
    expect(ivs.size).toBe(3000);
  });

  it('hashes equal numbers equally and different numbers differently, under its own key', () => {
    expect(vault.hash('+8613912345678')).toBe(vault.seal('+8613912345678').hash);
    expect(vault.hash('+8613912345678')).not.toBe(vault.hash('+8613912345679'));
    expect(vault.hash('+8613912345678')).toMatch(/^[0-9a-f]{64}$/);
    const otherHashKey = new PhoneVault(phoneKeysFromEnv({ ...env, PHONE_HASH_KEY: key('other') }));
    expect(otherHashKey.hash('+8613912345678')).not.toBe(vault.hash('+8613912345678'));
  });

  it('opens numbers sealed under a retired key while it is listed, and refuses once it is gone', () => {
    const old = new PhoneVault(phoneKeysFromEnv({ ...env, PHONE_ENCRYPTION_KEY_ID: 'old' })).seal('+8613900000001');
    expect(old.keyId).toBe('old');
    expect(vault.open(old)).toBe('+8613900000001');
    const withoutOld = new PhoneVault(phoneKeysFromEnv({ ...env, PHONE_ENCRYPTION_KEYS: `new:${key('new')}` }));
    expect(() => withoutOld.open(old)).toThrow(/"old" is not configured/);
  });

  it('detects an altered ciphertext, a swapped key id and a truncated value', () => {
    const sealed = vault.seal('+8613912345678');
    const raw = Buffer.from(sealed.enc, 'base64');
    raw[14] ^= 0x01;
    expect(() => vault.open({ enc: raw.toString('base64'), keyId: 'new' })).toThrow(PhoneVaultError);
    expect(() => vault.open({ enc: sealed.enc, keyId: 'old' })).toThrow(PhoneVaultError);
    expect(() => vault.open({ enc: 'AAAA', keyId: 'new' })).toThrow(/truncated/);
  });

  describe('keys from the environment', () => {
    it('uses public development keys with the embedded database only', () => {
      const dev = new PhoneVault(phoneKeysFromEnv({}));
      expect(dev.activeKeyId).toBe('dev');
      expect(dev.open(dev.seal('+8613912345678'))).toBe('+8613912345678');
      expect(() => phoneKeysFromEnv({ DATABASE_URL: env.DATABASE_URL })).toThrow(
        /must be set when DATABASE_URL is set/,
      );
    });

    it.each([
      ['no id', { PHONE_ENCRYPTION_KEYS: key('x') }, /id:base64key/],
      ['a short key', { PHONE_ENCRYPTION_KEYS: `a:${Buffer.alloc(16).toString('base64')}` }, /exactly 32 bytes/],
      ['an id listed twice', { PHONE_ENCRYPTION_KEYS: `a:${key('1')},a:${key('2')}` }, /twice/],
      ['an active id not listed', { PHONE_ENCRYPTION_KEY_ID: 'gone' }, /not one of the ids/],
      ['a short hash key', { PHONE_HASH_KEY: Buffer.alloc(8).toString('base64') }, /at least 32 bytes/],
    ])('refuses %s', (_what, change, message) => {
      expect(() => phoneKeysFromEnv({ ...env, ...change })).toThrow(message);
    });

    it('defaults the active key to the first listed', () => {
      expect(phoneKeysFromEnv({ ...env, PHONE_ENCRYPTION_KEY_ID: undefined }).activeKeyId).toBe('new');
    });
  });
});
