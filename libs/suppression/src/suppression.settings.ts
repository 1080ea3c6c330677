import { IsInt, Max, Min } from 'class-validator';
import { envNamespace } from '@app/core';

export interface SuppressionSettings {
  /** A firm calls a number at most once per this many days across its tasks (retries within a task excepted). */
  coolingDays: number;
}

export class SuppressionEnv {
  /** A firm calls a number at most once per this many days across its tasks. */
  @IsInt()
  @Min(0)
  @Max(365)
  COOLING_PERIOD_DAYS: number = 7;
}

/** The suppression lib's configuration; `SuppressionModule` reads it (the app loads this namespace). */
export const suppressionConfig = envNamespace('suppression', SuppressionEnv, (env): SuppressionSettings => ({
  coolingDays: env.COOLING_PERIOD_DAYS,
}));

/** The same settings under the token `SuppressionService` injects. */
export const SUPPRESSION_SETTINGS = Symbol('SUPPRESSION_SETTINGS');
