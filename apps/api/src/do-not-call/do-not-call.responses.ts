import { ApiProperty } from '@nestjs/swagger';
import { DoNotCallEntryView } from '@app/suppression';

/** The do-not-call routes' answers, for the OpenAPI document (mirroring the suppression lib's views). */

export class DoNotCallEntryResponse implements DoNotCallEntryView {
  @ApiProperty({ description: 'The number, masked', example: '+86138****8000' })
  phone: string;

  @ApiProperty({ type: String, nullable: true, example: 'opted_out' })
  reason: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  since: string | null;
}

export class DoNotCallPageResponse {
  @ApiProperty({ type: [DoNotCallEntryResponse] })
  items: DoNotCallEntryResponse[];

  @ApiProperty({ example: 1 })
  total: number;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 50 })
  pageSize: number;
}

export class DoNotCallAddedResponse {
  @ApiProperty({ description: 'Numbers added (already listed ones are not counted)', example: 1 })
  added: number;
}

export class DoNotCallRemovedResponse {
  @ApiProperty({ description: 'Numbers removed', example: 1 })
  removed: number;
}
