import { campaignGroundTruth, campaignSummary } from '../admin/ground-truth';
import { addedView, detailView, recordView, statusView } from '../contract/wire-views';
import { PushView } from '../push/call-result-pusher.service';
import { RunningSimulator } from '../start-simulator';

/** A plain fetch client for simulator specs: real HTTP, no Nest testing shortcuts. */

/** The simulator's answers as the specs read them (the contract's wire shapes; `data` is null on a refusal). */
export type AddedAnswer = ReturnType<typeof addedView>;
export type StatusAnswer = ReturnType<typeof statusView>;
/** `next_cursor` is null when the stuck-cursor fault hands back a first page's (absent) cursor. */
export type DetailAnswer = Omit<ReturnType<typeof detailView>, 'next_cursor'> & { next_cursor: string | null };
export type WireRecord = ReturnType<typeof recordView>;
export type CampaignTruth = ReturnType<typeof campaignGroundTruth>;
export type CampaignSummary = ReturnType<typeof campaignSummary>;

export interface Answer<T = unknown> {
  status: number;
  code: number;
  message: string;
  data: T;
}

export class SimulatorHttp {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  static of(simulator: RunningSimulator): SimulatorHttp {
    return new SimulatorHttp(simulator.baseUrl, simulator.apiKey);
  }

  post<T = unknown>(
    path: string,
    body: unknown,
    init: { apiKey?: string | null; signal?: AbortSignal } = {},
  ): Promise<Answer<T>> {
    return this.send('POST', path, body, init);
  }

  get<T = unknown>(path: string, init: { apiKey?: string | null } = {}): Promise<Answer<T>> {
    return this.send('GET', path, undefined, init);
  }

  put<T = unknown>(path: string, body: unknown): Promise<Answer<T>> {
    return this.send('PUT', path, body, {});
  }

  async add(
    requestId: string,
    contacts: TestContact[],
    extra: Record<string, unknown> = {},
  ): Promise<Answer<AddedAnswer>> {
    return this.post<AddedAnswer>('/robot_call_campaign_add', {
      request_id: requestId,
      name: 'spec',
      script_id: 'script-1',
      contacts,
      ...extra,
    });
  }

  async changeStatus(campaignId: string, action: string): Promise<Answer<StatusAnswer>> {
    return this.post<StatusAnswer>('/robot_call_campaign_change_status', { campaign_id: campaignId, action });
  }

  async detail(campaignId: string, cursor: string | null = null, limit?: number): Promise<Answer<DetailAnswer>> {
    return this.post<DetailAnswer>('/robot_call_campaign_detail', {
      campaign_id: campaignId,
      cursor,
      ...(limit ? { limit } : {}),
    });
  }

  async truth(campaignId: string): Promise<CampaignTruth> {
    return (await this.get<CampaignTruth>(`/_simulator/campaigns/${campaignId}`)).data;
  }

  async campaigns(): Promise<CampaignSummary[]> {
    return (await this.get<CampaignSummary[]>('/_simulator/campaigns')).data;
  }

  async requests(): Promise<Record<string, number>> {
    return (await this.get<Record<string, number>>('/_simulator/requests')).data;
  }

  async setFaults(faults: Record<string, number>): Promise<void> {
    const answer = await this.put('/_simulator/faults', faults);
    if (answer.code !== 0) throw new Error(`setting faults failed: ${answer.message}`);
  }

  async push(): Promise<PushView> {
    return (await this.get<PushView>('/_simulator/push')).data;
  }

  async setPush(settings: { url?: string; secret?: string; batchMs?: number }): Promise<void> {
    const answer = await this.put('/_simulator/push', settings);
    if (answer.code !== 0) throw new Error(`setting push failed: ${answer.message}`);
  }

  async reset(): Promise<void> {
    await this.post('/_simulator/reset', {});
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    init: { apiKey?: string | null; signal?: AbortSignal },
  ): Promise<Answer<T>> {
    const key = init.apiKey === undefined ? this.apiKey : init.apiKey;
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(key === null ? {} : { Authorization: `Bearer ${key}` }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: init.signal,
    });
    const envelope = (await response.json()) as { code: number; message: string; data: T };
    return { status: response.status, ...envelope };
  }
}

export interface TestContact {
  ref: string;
  phone: string;
  name?: string;
}

/** `count` contacts with distinct refs and distinct valid E.164 numbers. */
export function testContacts(count: number, refPrefix = 'c'): TestContact[] {
  return Array.from({ length: count }, (_, i) => ({
    ref: `${refPrefix}${i + 1}`,
    phone: `+86139${String(i + 1).padStart(8, '0')}`,
  }));
}

/** Polls `probe` until `done` holds; fails with the last value seen. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 5000, intervalMs = 5 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
