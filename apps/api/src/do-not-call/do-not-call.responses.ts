import { ApiProperty } from '@nestjs/swagger';
import { DoNotCallEntryView } from '@app/suppression';
import { PageResponse } from '../tasks/task.responses';

/** The do-not-call routes' answers, for the OpenAPI document (mirroring the suppression lib's views). */

export class DoNotCallEntryResponse implements DoNotCallEntryView {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The number, masked; null for an erased number (only its keyed hash is kept, so it is never called)',
    example: '+86138****8000',
  })
  phone: string | null;

  @ApiProperty({ description: "The number was erased by a candidate's erasure (reason `erased`)", example: false })
  erased: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'opted_out' })
  reason: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  since: string | null;
}

export class DoNotCallPageResponse extends PageResponse {
  @ApiProperty({ type: [DoNotCallEntryResponse] })
  items: DoNotCallEntryResponse[];
}

export class DoNotCallAddedResponse {
  @ApiProperty({
    description: 'Distinct numbers in the request, all now on the list (numbers already listed included)',
    example: 1,
  })
  added: number;
}

export class DoNotCallRemovedResponse {
  @ApiProperty({ description: 'Numbers removed', example: 1 })
  removed: number;
}
