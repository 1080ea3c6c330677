import axios from 'axios';
import { SIMULATOR_KEY } from './harness';

interface SimRecord {
  record_id: string;
  ref: string;
  call_result: number;
  intention: number;
  called_at: string;
}

interface SimCampaign {
  campaign_id: string;
  request_id: string;
  status: number;
  contact_count: number;
  dialled_count: number;
  /** Calls dialled and not ended yet (their records come when they end). */
  in_flight_count?: number;
  records?: SimRecord[];
  /** The campaign's contacts as sent to `add`: which number each record's `ref` dialled. */
  contacts?: { ref: string; phone: string }[];
}

export interface GroundTruth {
  campaigns: SimCampaign[];
  byId: Record<string, SimCampaign>;
  /** Calls dialled in all. */
  records: number;
  /** Contacts whose last call connected. */
  finalConnected: number;
  finalIntentions: { interested: number; notConsidering: number; inconvenient: number; wrongNumber: number };
  /** Calls dialled per number (E.164), over every campaign read: the same number in two campaigns counts twice. */
  dialsByPhone: Record<string, number>;
}

/** The simulator's campaign list, in or out of its `{ data }` envelope. */
type SimList = SimCampaign[] & { data?: SimCampaign[] & { campaigns?: SimCampaign[] }; campaigns?: SimCampaign[] };

/** What the simulator really dialled, read from its ground-truth endpoints, optionally for some campaigns only. */
export async function groundTruth(baseUrl: string, campaignIds?: string[]): Promise<GroundTruth> {
  const headers = { Authorization: `Bearer ${SIMULATOR_KEY}` };
  // Read with or without the simulator's `{ data }` envelope.
  const list = (await axios.get<SimList>(`${baseUrl}/_simulator/campaigns`, { headers })).data;
  const summaries = list.data?.campaigns ?? list.data ?? list.campaigns ?? list;
  const wanted = campaignIds ? summaries.filter((c) => campaignIds.includes(c.campaign_id)) : summaries;
  const campaigns: SimCampaign[] = [];
  for (const c of wanted) {
    const detail = (
      await axios.get<SimCampaign & { data?: SimCampaign }>(`${baseUrl}/_simulator/campaigns/${c.campaign_id}`, {
        headers,
      })
    ).data;
    campaigns.push(detail.data ?? detail);
  }
  const last = new Map<string, SimRecord>();
  const dialsByPhone: Record<string, number> = {};
  let records = 0;
  for (const c of campaigns) {
    const phoneOf = new Map((c.contacts ?? []).map((contact) => [contact.ref, contact.phone]));
    for (const r of c.records ?? []) {
      records++;
      const phone = phoneOf.get(r.ref);
      if (phone) dialsByPhone[phone] = (dialsByPhone[phone] ?? 0) + 1;
      const prev = last.get(r.ref);
      if (!prev || new Date(prev.called_at) <= new Date(r.called_at)) last.set(r.ref, r);
    }
  }
  const finals = [...last.values()];
  const connected = finals.filter((r) => r.call_result === 1);
  const intention = (n: number) => connected.filter((r) => r.intention === n).length;
  return {
    campaigns,
    byId: Object.fromEntries(campaigns.map((c) => [c.campaign_id, c])),
    records,
    finalConnected: connected.length,
    finalIntentions: {
      interested: intention(1),
      notConsidering: intention(2),
      inconvenient: intention(3),
      wrongNumber: intention(4),
    },
    dialsByPhone,
  };
}
