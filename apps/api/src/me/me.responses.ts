import { ApiProperty } from '@nestjs/swagger';
import { Caller } from '@app/core';

/** The caller as the service-token guard established it from the request's headers. */
export class CallerResponse implements Caller {
  @ApiProperty({ description: 'The firm asserted in X-Firm-Id', example: '1' })
  firmId: string;

  @ApiProperty({ description: 'The account asserted in X-Account-Id', example: '42' })
  accountId: string;
}
