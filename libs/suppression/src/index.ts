// The firm's number registry (cooling, do-not-call, wrong numbers): its module and configuration, the service the
// task lib consults and writes to, the do-not-call use cases with their views and error. The entity is internal.
export * from './suppression.module';
export { suppressionConfig } from './suppression.settings';
export { SuppressionService } from './suppression.service';
export type { DoNotCallReason, PhoneRef, SuppressionReason } from './suppression.service';
export * from './usecases/do-not-call.usecases';
export { InvalidDoNotCallNumbersError } from './domain/do-not-call-numbers';
