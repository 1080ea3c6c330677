import { SimulatedCampaign } from '../campaigns/simulated-campaign';
import { recordView } from '../contract/wire-views';
import { CALL_RESULTS } from '../outcomes/call-outcome';
import { INTENTIONS } from '../outcomes/intention-mix';

/** What the simulator knows about a campaign, for tests and benchmarks to check a consumer against. */
export function campaignSummary(campaign: SimulatedCampaign) {
  const byCallResult: Record<string, number> = Object.fromEntries(CALL_RESULTS.map((result) => [result, 0]));
  const byIntention: Record<string, number> = Object.fromEntries(INTENTIONS.map((intention) => [intention, 0]));
  for (const record of campaign.records) {
    byCallResult[record.callResult] += 1;
    byIntention[record.intention] += 1;
  }
  return {
    campaign_id: campaign.id,
    request_id: campaign.identity.requestId,
    name: campaign.identity.name,
    script_id: campaign.identity.scriptId,
    status: campaign.status,
    contact_count: campaign.contacts.length,
    dialled_count: campaign.dialledCount,
    in_flight_count: campaign.inFlightCount,
    /** Keyed by call_result (1 connected, 2 failed). */
    by_call_result: byCallResult,
    /** Keyed by intention 0–4, over every record (failed calls count as 0). */
    by_intention: byIntention,
  };
}

/** The summary, every record (wire shape) and the campaign's `contacts` (`ref`, `phone`: which number a record dialled). */
export function campaignGroundTruth(campaign: SimulatedCampaign) {
  return {
    ...campaignSummary(campaign),
    contacts: campaign.contacts.map((c) => ({ ref: c.ref, phone: c.phone })),
    records: campaign.records.map(recordView),
  };
}
