import { Injectable } from '@nestjs/common';
import { Clock, maskPhone } from '@app/core';
import { SuppressionService } from '../suppression.service';

export interface DoNotCallEntryView {
  /** Masked: list responses never carry whole numbers. */
  phone: string;
  reason: string | null;
  since: string | null;
}

export interface DoNotCallChange {
  firmId: string;
  /** E.164 numbers, already validated and normalised by the caller. */
  phones: string[];
  reason?: string;
}

/** A firm's do-not-call list, as operations or the firm itself see and edit it. */
@Injectable()
export class ListDoNotCall {
  constructor(private readonly suppression: SuppressionService) {}

  async execute(query: { firmId: string; page: number; pageSize: number }) {
    const { items, total } = await this.suppression.listDoNotCall(query.firmId, query.page, query.pageSize);
    const views: DoNotCallEntryView[] = items.map((entry) => ({
      phone: maskPhone(entry.phone),
      reason: entry.reason,
      since: entry.since?.toISOString() ?? null,
    }));
    return { items: views, total, page: query.page, pageSize: query.pageSize };
  }
}

@Injectable()
export class AddDoNotCall {
  constructor(
    private readonly suppression: SuppressionService,
    private readonly clock: Clock,
  ) {}

  async execute(change: DoNotCallChange): Promise<{ added: number }> {
    await this.suppression.addDoNotCall(undefined, change.firmId, change.phones, change.reason ?? 'requested', this.clock.now());
    return { added: new Set(change.phones).size };
  }
}

@Injectable()
export class RemoveDoNotCall {
  constructor(private readonly suppression: SuppressionService) {}

  async execute(change: DoNotCallChange): Promise<{ removed: number }> {
    return { removed: await this.suppression.removeDoNotCall(change.firmId, change.phones) };
  }
}
