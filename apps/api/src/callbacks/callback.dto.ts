import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import {
  parseWireDateTime,
  REMOTE_CALL_RESULTS,
  REMOTE_INTENTIONS,
  RemoteCallResult,
  RemoteIntention,
} from '@app/campaign-gateway';

/** A date-time as the wire has it: ISO 8601, UTC when it carries no zone (the platform's contract). */
const IsWireDateTime = () =>
  ValidateBy({
    name: 'isWireDateTime',
    validator: {
      validate: (value) => typeof value === 'string' && parseWireDateTime(value) !== null,
      defaultMessage: (args) => `${args?.property} must be an ISO 8601 date-time (UTC when it has no zone)`,
    },
  });

/**
 * One call record, exactly as `campaign_detail` lists it (snake_case: the platform's wire format). Only shapes are
 * checked here: lengths and ranges are the ingest's business (RecordIngestor, domain/wire-fit), which fits a value
 * that does not fit its column or rejects that one record, for pushed and polled records alike, instead of
 * refusing the whole push for one oversized value.
 */
export class PushedRecordDto {
  @ApiProperty({
    example: 'rec_000001_000001',
    description: 'Over 64 characters: stored as its SHA-256 digest (`sha256:…`)',
  })
  @IsString()
  record_id: string;

  @ApiProperty({
    description: "The contact's ref sent with campaign_add; a record whose ref is no contact id is not stored",
    example: '1001',
  })
  @IsString()
  ref: string;

  @ApiProperty({ enum: REMOTE_CALL_RESULTS })
  @IsIn(REMOTE_CALL_RESULTS)
  call_result: RemoteCallResult;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'no_answer',
    description: 'Stored cut to 16 characters',
  })
  @IsOptional()
  @IsString()
  fail_reason: string | null;

  @ApiProperty({ enum: REMOTE_INTENTIONS })
  @IsIn(REMOTE_INTENTIONS)
  intention: RemoteIntention;

  @ApiProperty({ minimum: 0, description: 'Above 86,400 (a day) stored as 86,400' })
  @IsInt()
  @Min(0)
  duration_sec: number;

  // Not `format: date-time`: that is RFC 3339, which requires the zone the platform may leave out.
  @ApiProperty({
    type: String,
    description:
      'When the call ended: ISO 8601 (`T` or a space before the time). Without a zone it is UTC, as the wire contract ' +
      "says, never the receiver's own zone; a zone (`Z`, `±HH:MM`) is honoured.",
    example: '2026-11-28T02:03:04.000Z',
  })
  @IsWireDateTime()
  called_at: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'Where the recording can be fetched; passed on in the `contact.called` event. Not an http(s) URL, or over 2,048 characters: left out',
    example: 'https://recordings.robot-call.example/r/rec_000001_000001.mp3',
  })
  @IsOptional()
  @IsString()
  recording_url?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'What was said, as the platform transcribed it; passed on in the `contact.called` event, cut to 20,000 characters',
    example: '机器人：您好，我是寻访顾问的 AI 助理。\n候选人：你好，请讲。',
  })
  @IsOptional()
  @IsString()
  transcript?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      "The platform's summary of the conversation; passed on in the `contact.called` event, cut to 2,000 characters",
    example: 'Interested in the role; prefers a call after 18:00.',
  })
  @IsOptional()
  @IsString()
  summary?: string | null;
}

export class RobotCallPushDto {
  @ApiProperty({ example: 'cmp_000001' })
  @IsString()
  @Matches(/^[\w.:-]{1,64}$/)
  campaign_id: string;

  @ApiProperty({ type: [PushedRecordDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => PushedRecordDto)
  records: PushedRecordDto[];
}
