import {
  IsOptional,
  IsString,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { envNamespace } from '../config/env-namespace';
import { phoneKeysFromEnv, PhoneVaultError } from './phone-vault';

/** The three phone-key variables make sense only together (and with DATABASE_URL): checked as one. */
@ValidatorConstraint({ name: 'phoneKeys' })
class PhoneKeysAreUsable implements ValidatorConstraintInterface {
  private problem = '';

  validate(_value: unknown, args: ValidationArguments): boolean {
    try {
      phoneKeysFromEnv(args.object);
      return true;
    } catch (error) {
      if (!(error instanceof PhoneVaultError)) throw error;
      this.problem = error.message;
      return false;
    }
  }

  defaultMessage(): string {
    return this.problem;
  }
}

export class PhoneKeysEnv {
  /** Read, not declared: the database lib's schema owns it. Unset: the embedded database and its public keys. */
  DATABASE_URL?: string;

  /**
   * Phone numbers are stored encrypted (AES-256-GCM) under these keys: `id:base64key[,id:base64key…]`, each
   * key 32 random bytes. Keep retired keys listed until `npm run phones:rekey` has resealed their rows.
   * Required with a DATABASE_URL; unset with the embedded database, public development keys are used.
   */
  @IsOptional()
  @IsString()
  PHONE_ENCRYPTION_KEYS?: string;

  /** The key id that seals new numbers; default: the first in PHONE_ENCRYPTION_KEYS. */
  @IsOptional()
  @IsString()
  PHONE_ENCRYPTION_KEY_ID?: string;

  /**
   * Key of the keyed hash (HMAC-SHA256) the look-ups run on (dedup, cooling, do-not-call): base64 of ≥ 32
   * random bytes. Never change it on a live database: every stored hash would stop matching.
   */
  @Validate(PhoneKeysAreUsable)
  PHONE_HASH_KEY?: string;
}

/** The keys of the {@link PhoneVault}, for PhoneVaultModule and `npm run phones:rekey`. */
export const phoneVaultConfig = envNamespace('phoneVault', PhoneKeysEnv, (env) => ({ keys: phoneKeysFromEnv(env) }));
