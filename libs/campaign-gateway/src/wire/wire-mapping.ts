import {
  AddCampaignInput,
  AddCampaignResult,
  CampaignAction,
  CampaignDetail,
  CampaignDetailQuery,
  CampaignStatusChange,
  RemoteCallRecord,
  RemoteCampaignStatus,
  REMOTE_CALL_RESULTS,
  REMOTE_INTENTIONS,
} from '../campaign-gateway.types';
import {
  asObject,
  readArray,
  readBoolean,
  readCount,
  readDate,
  readId,
  readNullableString,
  readOneOf,
  readString,
  WireObject,
} from './shape';

const STATUSES = [
  RemoteCampaignStatus.New,
  RemoteCampaignStatus.Running,
  RemoteCampaignStatus.Paused,
  RemoteCampaignStatus.Finished,
] as const;
/** The contract's limit on a campaign id (README): the caller stores it, and addresses the campaign by it. */
export const CAMPAIGN_ID_MAX_LENGTH = 64;

export function toAddRequest(input: AddCampaignInput): WireObject {
  return {
    request_id: input.requestId,
    name: input.name,
    script_id: input.scriptId,
    contacts: input.contacts.map((c) => (c.name === undefined ? { ref: c.ref, phone: c.phone } : { ...c })),
  };
}

export function toDetailRequest(query: CampaignDetailQuery): WireObject {
  const body: WireObject = { campaign_id: query.campaignId, cursor: query.cursor ?? null };
  if (query.limit !== undefined) body.limit = query.limit;
  return body;
}

export function toChangeStatusRequest(campaignId: string, action: CampaignAction): WireObject {
  return { campaign_id: campaignId, action };
}

export function fromAddData(data: WireObject): AddCampaignResult {
  return {
    // Refused rather than cut: a campaign is addressed by its whole id.
    campaignId: readId(data, 'campaign_id', CAMPAIGN_ID_MAX_LENGTH),
    status: readOneOf(data, 'status', STATUSES),
    contactCount: readCount(data, 'contact_count'),
    created: readBoolean(data, 'created'),
  };
}

export function fromDetailData(data: WireObject): CampaignDetail {
  return {
    campaignId: readString(data, 'campaign_id'),
    status: readOneOf(data, 'status', STATUSES),
    contactCount: readCount(data, 'contact_count'),
    dialledCount: readCount(data, 'dialled_count'),
    records: readArray(data, 'records').map((item, i) => fromRecord(asObject(item, `records[${i}]`))),
    // Absent, null and "" all mean "no cursor" (a has_more page without one does not advance: see the README).
    nextCursor: readNullableString(data, 'next_cursor') || null,
    hasMore: readBoolean(data, 'has_more'),
  };
}

export function fromStatusData(data: WireObject): CampaignStatusChange {
  return { campaignId: readString(data, 'campaign_id'), status: readOneOf(data, 'status', STATUSES) };
}

/**
 * One call record as the wire has it (campaign_detail lists them, the platform's callback pushes them): the one
 * decoder of the record format. Throws when the shape does not hold.
 */
export function decodeCallRecord(raw: object): RemoteCallRecord {
  return fromRecord(asObject(raw, 'record'));
}

function fromRecord(record: WireObject): RemoteCallRecord {
  return {
    recordId: readString(record, 'record_id'),
    ref: readString(record, 'ref'),
    callResult: readOneOf(record, 'call_result', REMOTE_CALL_RESULTS),
    failReason: readNullableString(record, 'fail_reason'),
    intention: readOneOf(record, 'intention', REMOTE_INTENTIONS),
    durationSec: readCount(record, 'duration_sec'),
    calledAt: readDate(record, 'called_at'),
    // Optional per record (README): absent and null both mean "none given"; their sizes are the ingest's business.
    recordingUrl: readNullableString(record, 'recording_url'),
    transcript: readNullableString(record, 'transcript'),
    summary: readNullableString(record, 'summary'),
  };
}
