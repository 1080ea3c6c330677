import { join } from 'path';
import type { SimulatorOptions } from '../../apps/robot-call-simulator/src';
import { AppBuild, REPO, SpawnedChild, spawnNode } from './children';
import { SIMULATOR_KEY } from './simulator';

/** What the simulator child answers to a probe (bench/children/system-simulator-child.js). */
export interface SimulatorProbe {
  /** Pushes not finished: batches gathering, POSTs in flight or waiting to be retried. */
  pending: number;
  /** Records made so far (calls ended). */
  made: number;
  /** Calls in flight over every campaign. */
  inFlight: number;
  campaigns: number;
  /** Of the campaigns asked about: those with a result the service lacks that ended more than `olderThanMs` ago. */
  resultsBehind: string[];
  /** Of the campaigns asked about: those the platform finished more than `olderThanMs` ago. */
  endsBehind: string[];
}

type ChildMessage =
  | { type: 'ready'; baseUrl: string }
  | { type: 'failed'; message: string }
  | { type: 'ended'; items: [string, number][] }
  | ({ type: 'probe'; id: number } & SimulatorProbe);

/** The options the child passes to startSimulator (JSON: no functions). */
export type SimulatorChildOptions = Partial<
  Pick<
    SimulatorOptions,
    | 'callMs'
    | 'parallelism'
    | 'pushUrl'
    | 'pushSecret'
    | 'pushBatchMs'
    | 'intentionMix'
    | 'connectRate'
    | 'conversationRate'
    | 'transcriptBytes'
  >
> & {
  /** Each call lasts `callMs × (1 ± callJitter)`, uniformly (the child's, not the simulator's: 0 every call callMs). */
  callJitter?: number;
};

/**
 * The robot-call simulator in a child process (the system section's load generator, its CPU apart from the
 * bench's), and what it reports: each call's end (Date.now() of that process, the same machine clock as the
 * receiver's) and probes of the campaigns the service has not caught up with.
 */
export class SimulatorProcess {
  /** recordId → when its call ended. */
  readonly endedAt = new Map<string, number>();
  private readonly probes = new Map<number, (p: SimulatorProbe) => void>();
  private nextProbe = 1;

  private constructor(
    readonly proc: SpawnedChild,
    readonly baseUrl: string,
  ) {
    proc.child.on('message', (m: ChildMessage) => {
      if (m.type === 'ended') for (const [id, at] of m.items) this.endedAt.set(id, at);
      if (m.type === 'probe') {
        this.probes.get(m.id)?.(m);
        this.probes.delete(m.id);
      }
    });
  }

  static async start(build: AppBuild, options: SimulatorChildOptions, logFile: string): Promise<SimulatorProcess> {
    const proc = spawnNode(build, join(REPO, 'bench', 'children', 'system-simulator-child.js'), [], {}, logFile, true);
    const baseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the simulator child did not start; see ${logFile}`)), 60_000);
      proc.child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve(m.baseUrl);
        }
        if (m.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`the simulator child failed: ${m.message}`));
        }
      });
      void proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the simulator child exited with ${code}; see ${logFile}`));
      });
      proc.child.send({ type: 'start', options: { apiKey: SIMULATOR_KEY, port: 0, ...options } });
    });
    return new SimulatorProcess(proc, baseUrl);
  }

  get pid(): number | undefined {
    return this.proc.child.pid;
  }

  /** Asks about the campaigns the service has not closed, each with the records it stored of it. */
  probe(open: [campaignId: string, stored: number][], olderThanMs: number): Promise<SimulatorProbe> {
    const id = this.nextProbe++;
    return new Promise<SimulatorProbe>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.probes.delete(id);
        reject(new Error('the simulator child did not answer a probe within 60 s'));
      }, 60_000);
      this.probes.set(id, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
      this.proc.child.send({ type: 'probe', id, open, olderThanMs });
    });
  }

  /** The push counters (`GET /_simulator/push`). */
  async pushView(): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.baseUrl}/_simulator/push`, {
      headers: { Authorization: `Bearer ${SIMULATOR_KEY}` },
    });
    return ((await res.json()) as { data: Record<string, unknown> }).data;
  }

  async close(): Promise<void> {
    if (this.proc.child.connected) this.proc.child.send({ type: 'exit' });
    const timer = setTimeout(() => void this.proc.kill(), 10_000);
    await this.proc.exited;
    clearTimeout(timer);
  }
}
