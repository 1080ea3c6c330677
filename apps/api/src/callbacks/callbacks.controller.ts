import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { IngestPushedRecords } from '@app/task';
import { CallbackSignatureGuard } from './callback-signature.guard';
import { RobotCallPushDto } from './callback.dto';
import { DecodedPush, PushBodyPipe } from './push-body.pipe';
import { CallbackResultResponse } from './callback.responses';
import { ApiErrors, BODY_ERRORS, DATABASE_ERRORS } from '../http/api-errors';
import { ApiNoSecurityScheme } from '../openapi';

/**
 * Results pushed by the robot-call platform; polling by the worker stays the safety net. Not rate-limited: the
 * limit is a recruiter account's budget, and the platform pushes from a few addresses at its own pace (one push per
 * call at 200 calls/s is 12,000 a minute, and a push refused is a result late). Each push is authenticated by its
 * signature, checked before anything else runs.
 */
@ApiTags('callbacks')
@SkipThrottle()
@Controller('callbacks')
export class CallbacksController {
  constructor(private readonly ingestPushedRecords: IngestPushedRecords) {}

  @Post('robot-call')
  @HttpCode(200)
  @UseGuards(CallbackSignatureGuard)
  @ApiOperation({
    summary: 'Ingest call records pushed by the platform (HMAC-signed; idempotent by record_id)',
    description:
      'Called by the robot-call platform, not by the recruiting platform. No security scheme: each push is ' +
      'authenticated by its signature headers, an HMAC of the timestamp and the exact body with the shared ' +
      'ROBOT_CALL_CALLBACK_SECRET; a missing, stale or wrong signature answers 401 `CALLBACK_SIGNATURE_INVALID`.',
  })
  @ApiNoSecurityScheme()
  @ApiHeader({
    name: 'X-Robot-Timestamp',
    required: true,
    description: 'Unix seconds; older than 5 minutes is refused',
  })
  @ApiHeader({
    name: 'X-Robot-Signature',
    required: true,
    description: 'sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>',
  })
  @ApiOkResponse({ type: CallbackResultResponse, description: 'Records received and newly stored' })
  @ApiErrors('CALLBACK_SIGNATURE_INVALID', ...BODY_ERRORS, 'CAMPAIGN_NOT_FOUND', 'DATABASE_BUSY', ...DATABASE_ERRORS)
  // The DTO documents the push and answers a bad one (400 naming each bad field); PushBodyPipe decodes a good one
  // with the gateway's one decoder of the record format, as it decodes the records campaign_detail lists, without
  // the DTO's validation run (its cost, and why it agrees with the DTO: push-body.pipe.ts). The parameter's type
  // is no class, so the global ValidationPipe leaves it to the pipe.
  @ApiBody({ type: RobotCallPushDto })
  push(@Body(PushBodyPipe) push: DecodedPush) {
    return this.ingestPushedRecords.execute(push);
  }
}
