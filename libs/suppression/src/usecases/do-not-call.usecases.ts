import { Injectable } from '@nestjs/common';
import { Clock, maskPhone } from '@app/core';
import { TransactionRunner } from '@app/database';
import { SuppressionService } from '../suppression.service';
import { doNotCallNumbers } from '../domain/do-not-call-numbers';

export interface DoNotCallEntryView {
  /** Masked: list responses never carry whole numbers; null for an erased number (only its keyed hash is kept). */
  phone: string | null;
  /** The number was erased (a candidate's erasure): it stays on the list, but cannot be shown. */
  erased: boolean;
  reason: string | null;
  since: string | null;
}

export interface DoNotCallChange {
  firmId: string;
  /** Numbers as entered; normalised here, or the whole change is refused (VALIDATION_FAILED, nothing written). */
  phones: string[];
  reason?: string;
}

/** A firm's do-not-call list, as operations or the firm itself see and edit it. */
@Injectable()
export class ListDoNotCall {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly suppression: SuppressionService,
  ) {}

  async execute(query: { firmId: string; page: number; pageSize: number }) {
    const { items, total } = await this.suppression.listDoNotCall(
      this.tx.autocommit,
      query.firmId,
      query.page,
      query.pageSize,
    );
    const views: DoNotCallEntryView[] = items.map((entry) => ({
      phone: entry.phone === null ? null : maskPhone(entry.phone),
      erased: entry.phone === null,
      reason: entry.reason,
      since: entry.since?.toISOString() ?? null,
    }));
    return { items: views, total, page: query.page, pageSize: query.pageSize };
  }
}

@Injectable()
export class AddDoNotCall {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly suppression: SuppressionService,
    private readonly clock: Clock,
  ) {}

  async execute(change: DoNotCallChange): Promise<{ added: number }> {
    const phones = doNotCallNumbers(change.phones);
    await this.suppression.addDoNotCall(
      this.tx.autocommit,
      change.firmId,
      phones,
      change.reason ?? 'requested',
      this.clock.now(),
    );
    return { added: new Set(phones).size };
  }
}

@Injectable()
export class RemoveDoNotCall {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly suppression: SuppressionService,
  ) {}

  async execute(change: DoNotCallChange): Promise<{ removed: number }> {
    return {
      removed: await this.suppression.removeDoNotCall(
        this.tx.autocommit,
        change.firmId,
        doNotCallNumbers(change.phones),
      ),
    };
  }
}
