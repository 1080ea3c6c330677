import { RunningSimulator, SimulatorOptions, startSimulator } from '../../apps/robot-call-simulator/src';
import { mapLimit, waitFor } from './util';

export const SIMULATOR_KEY = 'bench-robot-key';

interface Envelope<T> {
  code: number;
  message: string;
  data: T;
}

export interface CampaignSummary {
  campaign_id: string;
  request_id: string;
  status: number;
  contact_count: number;
  dialled_count: number;
  in_flight_count: number;
}

/** The robot-call simulator in this process, and the few calls the bench makes to it directly (seeding, ground truth). */
export class BenchSimulator {
  private constructor(
    readonly baseUrl: string,
    private readonly stop: () => Promise<void>,
    private readonly inProcess?: RunningSimulator,
  ) {}

  static async start(
    options: { callMs: number; parallelism: number; delayMs?: number } & Partial<
      Pick<
        SimulatorOptions,
        | 'pushUrl'
        | 'pushSecret'
        | 'pushBatchMs'
        | 'callMsOf'
        | 'intentionMix'
        | 'connectRate'
        | 'conversationRate'
        | 'transcriptBytes'
      >
    >,
  ): Promise<BenchSimulator> {
    const running = await startSimulator({ apiKey: SIMULATOR_KEY, ...options });
    return new BenchSimulator(running.baseUrl, () => running.close(), running);
  }

  /** A simulator running elsewhere (its own process: bench/lib/simulator-process.ts), driven over HTTP only. */
  static remote(baseUrl: string, close: () => Promise<void>): BenchSimulator {
    return new BenchSimulator(baseUrl, close);
  }

  /** The simulator app itself, for sections that reach into it (its pusher): in-process simulators only. */
  get running(): RunningSimulator {
    if (!this.inProcess) throw new Error('this simulator runs in another process: only its HTTP API is reachable');
    return this.inProcess;
  }

  /** Latency added to every platform request from now on (the simulator's `delayMs` fault). */
  async setLatency(delayMs: number): Promise<void> {
    await this.call('PUT', '_simulator/faults', { delayMs });
  }

  /** Platform requests received so far, per contract call. */
  requestCounts(): Promise<Record<string, number>> {
    return this.call<Record<string, number>>('GET', '_simulator/requests');
  }

  private async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/${path}`, {
      method,
      headers: { Authorization: `Bearer ${SIMULATOR_KEY}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const envelope = (await res.json()) as Envelope<T>;
    if (envelope.code !== 0) throw new Error(`simulator ${path}: ${envelope.code} ${envelope.message}`);
    return envelope.data;
  }

  async addCampaign(requestId: string, contacts: { id: string; phone: string; name: string }[]): Promise<string> {
    const data = await this.call<{ campaign_id: string }>('POST', 'robot_call_campaign_add', {
      request_id: requestId,
      name: `bench ${requestId}`,
      script_id: 'recruit-v1',
      contacts: contacts.map((c) => ({ ref: c.id, phone: c.phone, name: c.name })),
    });
    return data.campaign_id;
  }

  async changeStatus(campaignId: string, action: 'start' | 'pause' | 'stop'): Promise<void> {
    await this.call('POST', 'robot_call_campaign_change_status', { campaign_id: campaignId, action });
  }

  campaign(campaignId: string): Promise<CampaignSummary> {
    return this.call<CampaignSummary>('GET', `_simulator/campaigns/${campaignId}`);
  }

  campaigns(): Promise<CampaignSummary[]> {
    return this.call<CampaignSummary[]>('GET', '_simulator/campaigns');
  }

  async reset(): Promise<void> {
    await this.call('POST', '_simulator/reset');
  }

  /** Creates one campaign per entry (request id → contacts), optionally starts them; returns request id → campaign id. */
  async createCampaigns(
    batches: { requestId: string; contacts: { id: string; phone: string; name: string }[] }[],
    start: boolean,
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    await mapLimit(batches, 4, async (b) => {
      const campaignId = await this.addCampaign(b.requestId, b.contacts);
      ids.set(b.requestId, campaignId);
      if (start) await this.changeStatus(campaignId, 'start');
    });
    return ids;
  }

  /** Waits until the simulator's ground truth says every campaign is finished (status 3) and fully dialled. */
  async waitAllFinished(timeoutMs: number): Promise<{ campaigns: number; records: number }> {
    return waitFor(
      'the simulator to finish dialling',
      timeoutMs,
      async () => {
        const list = await this.campaigns();
        const done = list.every((c) => c.status === 3 && c.in_flight_count === 0);
        return done ? { campaigns: list.length, records: list.reduce((s, c) => s + c.dialled_count, 0) } : undefined;
      },
      100,
    );
  }

  close(): Promise<void> {
    return this.stop();
  }
}
