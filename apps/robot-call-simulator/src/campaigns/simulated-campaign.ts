import { CallOutcome } from '../outcomes/call-outcome';
import { CampaignAction, CampaignStatus, transition } from './campaign-status';

export interface SimulatedContact {
  ref: string;
  phone: string;
  name: string | null;
}

export type SimulatedCallRecord = CallOutcome & { recordId: string; ref: string; calledAt: Date };

export interface DialPlan {
  callMs: number;
  parallelism: number;
  outcomeOf(ref: string): CallOutcome;
  /** Whether to pass over the next contact without dialling it (the `undialledRate` fault). */
  passOver?(): boolean;
  /** Told of each record once it is appended (the push); must not throw or block. */
  onRecord?(record: SimulatedCallRecord): void;
  /** The platform's clock (test-only hook, see SimulatorOptions.now); default: the real clock. */
  now?(): Date;
  /** Numbers the platform never dials (test-only hook, see SimulatorOptions.neverDials). */
  neverDials?(phone: string): boolean;
  /** How long a call to this number lasts (test and bench hook, see SimulatorOptions.callMsOf); default `callMs`. */
  callMsOf?(phone: string): number | undefined;
}

export interface CampaignIdentity {
  id: string;
  /** The id's number, reused in record ids so they are unique across campaigns. */
  serial: string;
  requestId: string;
  name: string;
  scriptId: string;
  /** What makes a repeated `add` "the same payload" (see CampaignStore). */
  fingerprint: string;
}

/**
 * One campaign and its dialling: while running, keeps up to `parallelism` calls in flight, each taking
 * `callMs`, and appends a record when a call ends. Records are only ever appended, so cursors stay valid.
 */
export class SimulatedCampaign {
  private currentStatus = CampaignStatus.New;
  private readonly callRecords: SimulatedCallRecord[] = [];
  private nextContact = 0;
  private readonly inFlight = new Set<NodeJS.Timeout>();

  constructor(
    readonly identity: CampaignIdentity,
    readonly contacts: readonly SimulatedContact[],
    private readonly plan: DialPlan,
  ) {}

  get id(): string {
    return this.identity.id;
  }

  get status(): CampaignStatus {
    return this.currentStatus;
  }

  get records(): readonly SimulatedCallRecord[] {
    return this.callRecords;
  }

  get dialledCount(): number {
    return this.callRecords.length;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** False when the contract refuses the transition from the current status. */
  apply(action: CampaignAction): boolean {
    const target = transition(this.currentStatus, action);
    if (target === null) return false;
    if (target === this.currentStatus) return true;
    this.currentStatus = target;
    if (target === CampaignStatus.Running) {
      this.dialWhatFits();
      this.finishWhenAllDialled(); // only never-dialled contacts were left
    }
    // A stopped campaign is final, and "finished, nothing more to read" must stay true: calls still
    // ringing are hung up unrecorded, and their contacts count as undialled.
    if (target === CampaignStatus.Finished) this.hangUpAll();
    return true;
  }

  /** Records from `offset`, at most `limit`. */
  page(offset: number, limit: number): readonly SimulatedCallRecord[] {
    return this.callRecords.slice(offset, offset + limit);
  }

  /** Cancels every pending timer; the campaign is inert afterwards. */
  dispose(): void {
    this.hangUpAll();
  }

  private dialWhatFits(): void {
    while (
      this.currentStatus === CampaignStatus.Running &&
      this.inFlight.size < this.plan.parallelism &&
      this.nextContact < this.contacts.length
    ) {
      const contact = this.contacts[this.nextContact++];
      if (!this.plan.neverDials?.(contact.phone)) this.dial(contact);
    }
  }

  private dial(contact: SimulatedContact): void {
    if (this.plan.passOver?.()) {
      // Never dialled and never reported: the campaign still finishes once everybody else is dialled.
      this.finishWhenAllDialled();
      return;
    }
    const calledAt = this.plan.now?.() ?? new Date();
    const timer = setTimeout(
      () => {
        this.inFlight.delete(timer);
        this.record(contact, calledAt);
        this.dialWhatFits();
        this.finishWhenAllDialled();
      },
      this.plan.callMsOf?.(contact.phone) ?? this.plan.callMs,
    );
    // A simulated call must never keep a process (a test run, a CLI) alive on its own.
    timer.unref();
    this.inFlight.add(timer);
  }

  private record(contact: SimulatedContact, calledAt: Date): void {
    const n = String(this.callRecords.length + 1).padStart(6, '0');
    const record: SimulatedCallRecord = {
      ...this.plan.outcomeOf(contact.ref),
      recordId: `rec_${this.identity.serial}_${n}`,
      ref: contact.ref,
      calledAt,
    };
    this.callRecords.push(record);
    this.plan.onRecord?.(record);
  }

  /** Also from paused: once the last in-flight call ends there is nothing left to resume. */
  private finishWhenAllDialled(): void {
    if (this.nextContact === this.contacts.length && this.inFlight.size === 0) {
      this.currentStatus = CampaignStatus.Finished;
    }
  }

  private hangUpAll(): void {
    for (const timer of this.inFlight) clearTimeout(timer);
    this.inFlight.clear();
  }
}
