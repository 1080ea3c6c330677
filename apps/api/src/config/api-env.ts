import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { SharedEnv } from '@app/core';

export class ApiEnv extends SharedEnv {
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

  /** Shared with the robot-call platform: it signs pushed results with it (POST /v1/callbacks/robot-call). */
  @IsString()
  @MinLength(16, { message: 'ROBOT_CALL_CALLBACK_SECRET must be at least 16 characters' })
  ROBOT_CALL_CALLBACK_SECRET: string = 'dev-callback-secret';
}
