import { Injectable, PipeTransform } from '@nestjs/common';
import { decodeCallRecord, RemoteCallRecord } from '@app/campaign-gateway';
import { RobotCallPushDto } from './callback.dto';
import { buildValidationPipe } from '../http/validation';

/** A push as the use case takes it: the campaign and its records, decoded. */
export interface DecodedPush {
  campaignId: string;
  records: RemoteCallRecord[];
}

const PUSH_KEYS = new Set(['campaign_id', 'records']);
const RECORD_KEYS = new Set([
  'record_id',
  'ref',
  'call_result',
  'fail_reason',
  'intention',
  'duration_sec',
  'called_at',
  'recording_url',
  'transcript',
  'summary',
]);
/** RobotCallPushDto's rules for campaign_id and records (kept beside the DTO's, checked by push-body.pipe.spec). */
const CAMPAIGN_ID = /^[\w.:-]{1,64}$/;
const MAX_RECORDS = 1000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * The push's body, validated and decoded. RobotCallPushDto documents it and its class-validator rules answer a bad
 * body (400 `VALIDATION_FAILED` naming each bad field), but running them costs more than the rest of the request's
 * HTTP work for a body of 100 records with their transcripts (bench/README.md, "callback"). So a body is first
 * read by the gateway's decoder of the record format, which holds the same rules (types, enums, a non-negative
 * integer, the wire's date-time), plus the DTO's own (no unknown field, the campaign id's pattern, 1 to 1,000
 * records): a body that passes is one the DTO accepts, decoded once. Any other body goes through the DTO's
 * validation, which then refuses it exactly as before (or, if this check were stricter than the DTO somewhere,
 * accepts it as before).
 */
@Injectable()
export class PushBodyPipe implements PipeTransform<unknown, Promise<DecodedPush>> {
  private readonly validation = buildValidationPipe();

  async transform(body: unknown): Promise<DecodedPush> {
    const fast = PushBodyPipe.decode(body);
    if (fast) return fast;
    const dto = (await this.validation.transform(body, {
      type: 'body',
      metatype: RobotCallPushDto,
    })) as RobotCallPushDto;
    return { campaignId: dto.campaign_id, records: dto.records.map(decodeCallRecord) };
  }

  /** The push decoded, or undefined when the body is not one the DTO surely accepts. */
  static decode(body: unknown): DecodedPush | undefined {
    if (!isPlainObject(body) || !onlyKeys(body, PUSH_KEYS)) return undefined;
    const { campaign_id: campaignId, records } = body;
    if (typeof campaignId !== 'string' || !CAMPAIGN_ID.test(campaignId)) return undefined;
    if (!Array.isArray(records) || records.length < 1 || records.length > MAX_RECORDS) return undefined;
    const decoded: RemoteCallRecord[] = [];
    for (const record of records) {
      if (!isPlainObject(record) || !onlyKeys(record, RECORD_KEYS)) return undefined;
      try {
        decoded.push(decodeCallRecord(record));
      } catch {
        return undefined;
      }
    }
    return { campaignId, records: decoded };
  }
}
