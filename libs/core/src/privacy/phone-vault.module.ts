import { Global, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PhoneVault } from './phone-vault';
import { phoneVaultConfig } from './phone-vault.config';

/** Provides the {@link PhoneVault} with the keys of `phoneVaultConfig` (the app loads that namespace). */
@Global()
@Module({
  providers: [
    {
      provide: PhoneVault,
      inject: [phoneVaultConfig.KEY],
      useFactory: (config: ConfigType<typeof phoneVaultConfig>) => new PhoneVault(config.keys),
    },
  ],
  exports: [PhoneVault],
})
export class PhoneVaultModule {}
