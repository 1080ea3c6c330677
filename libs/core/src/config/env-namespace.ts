import { ConfigFactory, ConfigFactoryKeyHost, ConfigModule, ConfigObject, registerAs } from '@nestjs/config';
import { envValidator, EnvSchema, readEnvOrThrow } from './validate-env';

/**
 * A lib's typed configuration: a `registerAs` namespace built from the variables its env `schema` declares
 * (converted, checked, defaulted there and only there). Inject it as
 * `@Inject(fooConfig.KEY) config: ConfigType<typeof fooConfig>`; call it (`fooConfig()`) where there is no
 * Nest container (the CLI entry points).
 */
export type EnvNamespace<T extends ConfigObject = ConfigObject, S extends object = object> = (() => T) &
  ConfigFactoryKeyHost<T> & { readonly schema: EnvSchema<S> };

export function envNamespace<S extends object, T extends ConfigObject>(
  token: string,
  schema: EnvSchema<S>,
  build: (env: S) => T,
): EnvNamespace<T, S> {
  // The one place the apps' configuration is read from the environment. By the time Nest builds a namespace,
  // ConfigModule has validated every loaded schema at once (see configModuleFor) and copied `.env` into
  // process.env; reading again here throws only for a namespace used without that validation.
  const factory = registerAs(token, (): T => build(readEnvOrThrow(schema, process.env)));
  return Object.assign(factory, { schema });
}

/**
 * The app's ConfigModule: loads `namespaces` (global, so each lib's module injects its own) and validates all
 * their variables at boot, failing with one message that names every bad variable.
 */
export function configModuleFor(
  // What is loaded and validated (the namespaces of one app have different types).
  namespaces: (ConfigFactory & Pick<EnvNamespace, 'schema'>)[],
): ReturnType<typeof ConfigModule.forRoot> {
  return ConfigModule.forRoot({
    isGlobal: true,
    cache: true,
    load: namespaces,
    validate: envValidator(...namespaces.map((namespace) => namespace.schema)),
  });
}
