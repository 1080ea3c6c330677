import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PhoneVault, phoneKeysFromEnv } from './phone-vault';

/** Provides the {@link PhoneVault} with the keys from configuration (validated at start by SharedEnv). */
@Global()
@Module({
  providers: [
    {
      provide: PhoneVault,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        new PhoneVault(
          phoneKeysFromEnv({
            DATABASE_URL: config.get<string>('DATABASE_URL'),
            PHONE_ENCRYPTION_KEYS: config.get<string>('PHONE_ENCRYPTION_KEYS'),
            PHONE_ENCRYPTION_KEY_ID: config.get<string>('PHONE_ENCRYPTION_KEY_ID'),
            PHONE_HASH_KEY: config.get<string>('PHONE_HASH_KEY'),
          }),
        ),
    },
  ],
  exports: [PhoneVault],
})
export class PhoneVaultModule {}
