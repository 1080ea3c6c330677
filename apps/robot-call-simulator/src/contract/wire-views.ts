import { SimulatedCallRecord, SimulatedCampaign } from '../campaigns/simulated-campaign';

/** The contract's snake_case shapes of the simulator's state. */

export function addedView(campaign: SimulatedCampaign, created: boolean) {
  return { campaign_id: campaign.id, status: campaign.status, contact_count: campaign.contacts.length, created };
}

export function statusView(campaign: SimulatedCampaign) {
  return { campaign_id: campaign.id, status: campaign.status };
}

export function detailView(campaign: SimulatedCampaign, offset: number, limit: number) {
  const records = campaign.page(offset, limit);
  const end = offset + records.length;
  return {
    campaign_id: campaign.id,
    status: campaign.status,
    contact_count: campaign.contacts.length,
    dialled_count: campaign.dialledCount,
    records: records.map(recordView),
    // Never null: an empty page hands back the same position, so a caller can resume from it later.
    next_cursor: String(end),
    has_more: end < campaign.records.length,
  };
}

export function recordView(record: SimulatedCallRecord) {
  return {
    record_id: record.recordId,
    ref: record.ref,
    call_result: record.callResult,
    fail_reason: record.failReason,
    intention: record.intention,
    duration_sec: record.durationSec,
    called_at: record.calledAt.toISOString(),
    // Optional per record: only a connected call with a conversation carries these.
    ...('conversation' in record && record.conversation
      ? {
          recording_url: record.conversation.recordingUrl,
          transcript: record.conversation.transcript,
          summary: record.conversation.summary,
        }
      : {}),
  };
}
