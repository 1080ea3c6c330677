export * from './errors/domain-error';
export * from './clock/clock';
export * from './clock/clock.module';
export * from './privacy/mask-phone';
export * from './config/validate-env';
export * from './config/shared-env';
export * from './logging/log-scope';
