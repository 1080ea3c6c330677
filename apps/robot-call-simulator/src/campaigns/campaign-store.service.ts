import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { RefusalCode, SimulatorRefusal } from '../envelope/envelope';
import { callOutcome } from '../outcomes/call-outcome';
import { FaultInjector } from '../faults/fault-injector.service';
import { CallResultPusher } from '../push/call-result-pusher.service';
import { SIMULATOR_OPTIONS, SimulatorOptions } from '../simulator.options';
import { SimulatedCampaign, SimulatedContact } from './simulated-campaign';

export interface NewCampaign {
  requestId: string;
  name: string;
  scriptId: string;
  contacts: SimulatedContact[];
}

/** The simulator's in-memory platform state: campaigns by id and by the request id that created them. */
@Injectable()
export class CampaignStore implements OnModuleDestroy {
  private readonly byId = new Map<string, SimulatedCampaign>();
  private readonly byRequestId = new Map<string, SimulatedCampaign>();
  // Not reset by reset(): ids stay unique for the process, so a test database that outlives a reset
  // never meets a campaign id twice.
  private serial = 0;

  constructor(
    @Inject(SIMULATOR_OPTIONS) private readonly options: SimulatorOptions,
    private readonly pusher: CallResultPusher,
    private readonly faults: FaultInjector,
  ) {}

  /** Idempotent by request id: the same payload returns the existing campaign, another payload is refused. */
  add(request: NewCampaign): { campaign: SimulatedCampaign; created: boolean } {
    assertUniqueRefs(request.contacts);
    const fingerprint = fingerprintOf(request);
    const existing = this.byRequestId.get(request.requestId);
    if (existing) {
      if (existing.identity.fingerprint !== fingerprint) {
        throw new SimulatorRefusal(
          RefusalCode.RequestIdReused,
          `request_id ${request.requestId} was already used with a different payload`,
        );
      }
      return { campaign: existing, created: false };
    }
    const campaign = this.create(request, fingerprint);
    this.byId.set(campaign.id, campaign);
    this.byRequestId.set(request.requestId, campaign);
    return { campaign, created: true };
  }

  get(campaignId: string): SimulatedCampaign {
    const campaign = this.byId.get(campaignId);
    if (!campaign) throw new SimulatorRefusal(RefusalCode.NotFound, `campaign ${campaignId} not found`);
    return campaign;
  }

  list(): SimulatedCampaign[] {
    return [...this.byId.values()];
  }

  /** Forgets every campaign and stops their dialling. */
  reset(): void {
    for (const campaign of this.byId.values()) campaign.dispose();
    this.byId.clear();
    this.byRequestId.clear();
  }

  onModuleDestroy(): void {
    this.reset();
  }

  private create(request: NewCampaign, fingerprint: string): SimulatedCampaign {
    const serial = String(++this.serial).padStart(6, '0');
    const { callMs, parallelism } = this.options;
    const id = `cmp_${serial}`;
    return new SimulatedCampaign(
      { id, serial, requestId: request.requestId, name: request.name, scriptId: request.scriptId, fingerprint },
      request.contacts,
      {
        callMs,
        parallelism,
        outcomeOf: (ref) => this.faults.distortOutcome(callOutcome(this.options, request.requestId, ref)),
        passOver: () => this.faults.shouldPassOver(),
        onRecord: (record) => this.pusher.recorded(id, record),
        now: this.options.now,
        neverDials: this.options.neverDials,
        callMsOf: this.options.callMsOf,
      },
    );
  }
}

/**
 * The README defines "a different payload" as another script or other contact refs; refs are compared in
 * order, since the order decides who is dialled first. The name and phones are not part of it.
 */
function fingerprintOf(request: NewCampaign): string {
  return JSON.stringify([request.scriptId, request.contacts.map((c) => c.ref)]);
}

function assertUniqueRefs(contacts: readonly SimulatedContact[]): void {
  const seen = new Set<string>();
  contacts.forEach((contact, index) => {
    if (seen.has(contact.ref)) {
      throw new SimulatorRefusal(RefusalCode.InvalidParameters, `contacts.${index}.ref duplicates an earlier ref`);
    }
    seen.add(contact.ref);
  });
}
