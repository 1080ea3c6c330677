// What every lib and app shares, with no domain in it: errors and their kinds, the clock, date-times, the caller's
// identity, phone numbers (normalising, masking, sealing), typed configuration, log scopes, failpoints, a bounded map
// and tracing (OpenTelemetry's start, and the helpers the libs trace their hops with).
export * from './errors/domain-error';
export { Clock, FixedClock } from './clock/clock';
export * from './clock/clock.module';
export * from './clock/date-time';
export * from './identity/caller';
export * from './privacy/mask-phone';
export * from './privacy/phone-number';
export { PhoneVault, phoneKeysFromEnv, ERASED_KEY_ID, erasedSealed, isErasedSealed } from './privacy/phone-vault';
export type { SealedPhone, PhoneKeys } from './privacy/phone-vault';
export * from './privacy/phone-vault.module';
export { phoneVaultConfig } from './privacy/phone-vault.config';
export { envValidator, readEnvOrThrow } from './config/validate-env';
export type { EnvSchema } from './config/validate-env';
export * from './config/env-namespace';
export { Secret } from './config/secret';
export * from './logging/log-level';
export * from './logging/log-scope';
export * from './failpoints/failpoint';
export { RecentlyUsed } from './collections/recently-used';
export { startTracing, stopTracing, tracingRequested } from './tracing/start-tracing';
export * from './tracing/trace-context';
