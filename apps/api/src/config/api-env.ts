import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { ConfigType } from '@nestjs/config';
import { envNamespace, Secret } from '@app/core';

/** The API's own variables; the libs' namespaces (see api-namespaces.ts) declare theirs. */
export class ApiEnv {
  @IsInt()
  @Min(0)
  @Max(65535)
  API_PORT: number = 3000;

  /** The recruiting platform's back end presents this on every user route. */
  @IsString()
  @MinLength(16, { message: 'SERVICE_TOKEN must be at least 16 characters' })
  SERVICE_TOKEN: string;

  /** Operations tooling presents this on /v1/admin routes. */
  @IsString()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  ADMIN_TOKEN: string;

  /** Requests one recruiter account may make per THROTTLE_TTL_SECONDS (429 TOO_MANY_REQUESTS beyond). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  THROTTLE_LIMIT: number = 600;

  @IsInt()
  @Min(1)
  @Max(3600)
  THROTTLE_TTL_SECONDS: number = 60;

  /**
   * Shared with the robot-call platform: it signs pushed results with it (POST /v1/callbacks/robot-call). The
   * simulator's default secret with the embedded database only; required with a DATABASE_URL, else anyone
   * could forge call results with the value published in this repository.
   */
  @Secret({ embeddedDefault: 'dev-callback-secret', minLength: 16 })
  ROBOT_CALL_CALLBACK_SECRET?: string;
}

export const apiConfig = envNamespace('api', ApiEnv, (env) => ({
  port: env.API_PORT,
  serviceToken: env.SERVICE_TOKEN,
  adminToken: env.ADMIN_TOKEN,
  throttle: { limit: env.THROTTLE_LIMIT, ttlMs: env.THROTTLE_TTL_SECONDS * 1000 },
  callbackSecret: env.ROBOT_CALL_CALLBACK_SECRET ?? '',
}));

export type ApiConfig = ConfigType<typeof apiConfig>;
