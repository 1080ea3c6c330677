import { readFileSync, writeFileSync } from 'fs';

/** A memory field of /proc/<pid>/status in MB (VmRSS now, VmHWM its high-water mark); undefined once it is gone. */
export function procMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Sets a process's VmHWM back to its current RSS (`5` into /proc/<pid>/clear_refs, Linux ≥ 4.0); false if refused. */
function resetHighWaterMark(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssTrace {
  /** VmRSS every `everyMs` while sampling, MB. */
  samplesMb: number[];
  /** The most the process held: the largest sample, or VmHWM when the high-water mark could be reset at the start. */
  peakMb: number;
  /** VmHWM read at the end, after a reset at the start (so it covers the moments between samples); undefined if refused. */
  hwmMb?: number;
}

/**
 * The resident set of another process over a span: sampled from /proc every `everyMs` (a timer of this process,
 * so a busy event loop here spaces the samples out), and its kernel-kept high-water mark reset at the start and
 * read at the end, which no sampling interval can miss.
 */
export class RssSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly hwmReset: boolean;

  private constructor(
    private readonly pid: number,
    everyMs: number,
  ) {
    this.hwmReset = resetHighWaterMark(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  static start(pid: number, everyMs: number): RssSampler {
    return new RssSampler(pid, everyMs);
  }

  private sample(): void {
    const mb = procMemoryMb(this.pid, 'VmRSS');
    if (mb !== undefined) this.samples.push(mb);
  }

  stop(): RssTrace {
    clearInterval(this.timer);
    this.sample();
    const hwmMb = this.hwmReset ? procMemoryMb(this.pid, 'VmHWM') : undefined;
    return { samplesMb: this.samples, peakMb: Math.max(...this.samples, hwmMb ?? 0), hwmMb };
  }
}
