import { PhoneVault, phoneVaultConfig } from '@app/core';
import { createDataSource } from '../data-source';
import { databaseConfig } from '../database.config';
import { rekeyPhones } from '../phone-rekey';

/**
 * `npm run phones:rekey`: reseals every stored phone number under PHONE_ENCRYPTION_KEY_ID (key rotation). Run it
 * after deploying the new key as active with the old one still listed; then the old key can be removed.
 */
async function main(): Promise<void> {
  const vault = new PhoneVault(phoneVaultConfig().keys);
  const dataSource = createDataSource(databaseConfig());
  await dataSource.initialize();
  try {
    const report = await rekeyPhones(dataSource, vault);
    const parts = Object.entries(report.resealed).map(([table, n]) => `${table}: ${n}`);
    console.log(`resealed under key "${vault.activeKeyId}": ${parts.join(', ')}`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: Error) => {
  console.error(`rekey failed: ${error.message}`);
  process.exit(1);
});
