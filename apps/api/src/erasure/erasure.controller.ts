import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { EraseCandidates } from '@app/task';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { ApiErrors, BODY_ERRORS, DATABASE_ERRORS } from '../http/api-errors';
import { idParam } from '../http/invalid-id.error';
import { ApiAdminAuth } from '../openapi';
import { ErasureDto } from './erasure.dto';
import { ErasureResponse } from './erasure.responses';

/** Operations honour a candidate's right to erasure (PIPL). A POST with a body: numbers never go in URLs. */
@ApiTags('admin')
@ApiAdminAuth()
@ApiParam({ name: 'firmId', description: 'Firm id (digits)', example: '1' })
@Controller('admin/firms/:firmId/erasure')
@UseGuards(AdminAuthGuard)
export class AdminErasureController {
  constructor(private readonly eraseCandidates: EraseCandidates) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase candidates' personal data in every task of the firm",
    description:
      "Each number's contacts lose their name, candidate reference and number (only the keyed hash stays, as the " +
      "firm's do-not-call entry: the number is never called again); the events carrying them are redacted in place " +
      '(personal fields null, `erased: true`; deliveries still pending go out redacted; what was delivered cannot be ' +
      'recalled). Results and counts stay. Writes `candidate.erased` (contact ids, never the number). A call already ' +
      'in progress on the platform may still end; its result is stored, its conversation is not.',
  })
  @ApiOkResponse({ type: ErasureResponse, description: 'What was erased: counts per task, no number' })
  @ApiErrors('UNAUTHENTICATED', ...BODY_ERRORS, 'DATABASE_BUSY', ...DATABASE_ERRORS)
  erase(@Param('firmId') firmId: string, @Body() body: ErasureDto) {
    return this.eraseCandidates.execute({ firmId: idParam('firmId', firmId), phones: body.phones });
  }
}
