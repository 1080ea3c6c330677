// The firm's number registry (cooling, do-not-call, wrong numbers): module, service, do-not-call use cases.
// The entity is internal.
export * from './suppression.module';
export * from './suppression.service';
export * from './suppression.settings';
export * from './usecases/do-not-call.usecases';
export * from './domain/do-not-call-numbers';
