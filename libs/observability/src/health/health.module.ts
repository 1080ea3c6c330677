import { DynamicModule, Module, ModuleMetadata, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { REPORTED_DEPENDENCIES, ReportedDependency } from './reported-dependency';

/** Dependencies the readiness answer reports (not requires): the modules that provide them, and their classes. */
export interface ReportedDependencies {
  imports?: ModuleMetadata['imports'];
  inject: Type<ReportedDependency>[];
}

/** `GET /health/live` and `GET /health/ready` (terminus); failures are logged as JSON. */
@Module({})
export class HealthModule {
  static forRoot(reported: ReportedDependencies = { inject: [] }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), ...(reported.imports ?? [])],
      controllers: [HealthController],
      providers: [
        {
          provide: REPORTED_DEPENDENCIES,
          inject: reported.inject,
          useFactory: (...deps: ReportedDependency[]) => deps,
        },
      ],
    };
  }
}
