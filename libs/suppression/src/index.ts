export * from './suppression.module';
export * from './suppression.service';
export * from './suppression.settings';
export * from './firm-phone.entity';
export * from './usecases/do-not-call.usecases';
export * from './domain/do-not-call-numbers';
