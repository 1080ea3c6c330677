import { RunningSimulator } from '../start-simulator';

/** A plain fetch client for simulator specs: real HTTP, no Nest testing shortcuts. */

export interface Answer<T = any> {
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

  post<T = any>(
    path: string,
    body: unknown,
    init: { apiKey?: string | null; signal?: AbortSignal } = {},
  ): Promise<Answer<T>> {
    return this.send('POST', path, body, init);
  }

  get<T = any>(path: string, init: { apiKey?: string | null } = {}): Promise<Answer<T>> {
    return this.send('GET', path, undefined, init);
  }

  put<T = any>(path: string, body: unknown): Promise<Answer<T>> {
    return this.send('PUT', path, body, {});
  }

  async add(requestId: string, contacts: TestContact[], extra: Record<string, unknown> = {}): Promise<Answer> {
    return this.post('/robot_call_campaign_add', {
      request_id: requestId,
      name: 'spec',
      script_id: 'script-1',
      contacts,
      ...extra,
    });
  }

  async changeStatus(campaignId: string, action: string): Promise<Answer> {
    return this.post('/robot_call_campaign_change_status', { campaign_id: campaignId, action });
  }

  async detail(campaignId: string, cursor: string | null = null, limit?: number): Promise<Answer> {
    return this.post('/robot_call_campaign_detail', { campaign_id: campaignId, cursor, ...(limit ? { limit } : {}) });
  }

  async truth(campaignId: string): Promise<any> {
    return (await this.get(`/_simulator/campaigns/${campaignId}`)).data;
  }

  async campaigns(): Promise<any[]> {
    return (await this.get('/_simulator/campaigns')).data;
  }

  async requests(): Promise<Record<string, number>> {
    return (await this.get('/_simulator/requests')).data;
  }

  async setFaults(faults: Record<string, number>): Promise<void> {
    const answer = await this.put('/_simulator/faults', faults);
    if (answer.code !== 0) throw new Error(`setting faults failed: ${answer.message}`);
  }

  async push(): Promise<any> {
    return (await this.get('/_simulator/push')).data;
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
