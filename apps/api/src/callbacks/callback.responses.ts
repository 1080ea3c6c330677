import { ApiProperty } from '@nestjs/swagger';

/** What a push of call records did (IngestPushedRecords' result). */
export class CallbackResultResponse {
  @ApiProperty({ description: 'Records in the push', example: 3 })
  received: number;

  @ApiProperty({
    description: 'Records stored now (the others were already stored: pushes are idempotent)',
    example: 3,
  })
  stored: number;
}
