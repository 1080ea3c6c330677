export interface SuppressionSettings {
  /** A firm calls a number at most once per this many days across its tasks (retries within a task excepted). */
  coolingDays: number;
}

export const SUPPRESSION_SETTINGS = Symbol('SUPPRESSION_SETTINGS');

export function suppressionSettingsFromConfig(config: { get(key: string): unknown }): SuppressionSettings {
  const days = config.get('COOLING_PERIOD_DAYS');
  return { coolingDays: days === undefined || days === null || days === '' ? 7 : Number(days) };
}
