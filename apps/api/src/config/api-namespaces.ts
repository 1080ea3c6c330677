import { phoneVaultConfig } from '@app/core';
import { databaseConfig } from '@app/database';
import { campaignGatewayConfig } from '@app/campaign-gateway';
import { taskConfig } from '@app/task';
import { suppressionConfig } from '@app/suppression';
import { eventsConfig } from '@app/events';
import { observabilityConfig } from '@app/observability';
import { apiConfig } from './api-env';

/** Every configuration the API reads: the libs' and its own, loaded and validated together at boot. */
export const API_NAMESPACES = [
  databaseConfig,
  phoneVaultConfig,
  observabilityConfig,
  campaignGatewayConfig,
  taskConfig,
  suppressionConfig,
  eventsConfig,
  apiConfig,
];
