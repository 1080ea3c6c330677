import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { SqlDialect } from '@app/database';
import { EventType } from '../domain/event-types';
import { WebhookEntity } from './entities/webhook.entity';
import { DeliveryStatus, WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookView } from './domain/webhook-view';
import { EndpointScope } from './domain/endpoint-match';

/** What a registration or a change writes. */
export type WebhookPatch = Partial<
  Pick<WebhookEntity, 'url' | 'eventTypes' | 'fullPhones' | 'enabled' | 'disabledReason' | 'failingSince'>
>;

/** The endpoint as the fan-out matches events against it. */
export interface EndpointFilter extends EndpointScope {
  id: string;
}

const MAX_ERROR = 255;

/**
 * The one writer of endpoints (`ai_visitor_webhook`): registration, changes, deletion with its deliveries, and
 * the health the relay records (last success, failing since, disabling). Every method takes the manager it runs on.
 */
@Injectable()
export class WebhookRepository {
  constructor(private readonly dialect: SqlDialect) {}

  async insert(
    manager: EntityManager,
    row: Omit<
      WebhookEntity,
      | 'id'
      | 'failingSince'
      | 'lastSuccessAt'
      | 'lastFailureAt'
      | 'lastError'
      | 'previousSecretEnc'
      | 'previousSecretKeyId'
      | 'previousSecretExpiresAt'
    >,
  ): Promise<string> {
    const result = await manager.getRepository(WebhookEntity).insert(row);
    return String(result.identifiers[0].id);
  }

  find(manager: EntityManager, id: string): Promise<WebhookEntity | null> {
    return manager.getRepository(WebhookEntity).findOne({ where: { id } });
  }

  /** Every endpoint, or those of one firm (`firmId`; null: the all-firms ones), in registration order. */
  list(manager: EntityManager, firmId?: string | null): Promise<WebhookEntity[]> {
    const where = firmId === undefined ? {} : { firmId: firmId === null ? IsNull() : firmId };
    return manager.getRepository(WebhookEntity).find({ where, order: { id: 'ASC' } });
  }

  async update(manager: EntityManager, id: string, patch: WebhookPatch, now: Date): Promise<void> {
    await manager.getRepository(WebhookEntity).update({ id }, { ...patch, updatedAt: now });
  }

  /**
   * A secret rotation: `next` (sealed) becomes the endpoint's secret, and `current` (sealed, as read) its previous
   * secret, signing too until `overlapEnd`; whether it was done. A compare-and-set on the secret read and on no
   * overlap lasting at `now`: of two concurrent rotations one is done, and an earlier rotation's previous secret
   * (what receivers may still hold) is never dropped. The sealed values move as they are: no plaintext is needed.
   */
  async rotateSecret(
    manager: EntityManager,
    id: string,
    current: { enc: string; keyId: string },
    next: { enc: string; keyId: string },
    overlapEnd: Date,
    now: Date,
  ): Promise<boolean> {
    const result = await manager
      .getRepository(WebhookEntity)
      .createQueryBuilder()
      .update()
      .set({
        previousSecretEnc: current.enc,
        previousSecretKeyId: current.keyId,
        previousSecretExpiresAt: overlapEnd,
        secretEnc: next.enc,
        secretKeyId: next.keyId,
        updatedAt: now,
      })
      .where(
        'id = :id AND secret_enc = :currentEnc AND (previous_secret_expires_at IS NULL OR previous_secret_expires_at <= :now)',
        {
          id,
          currentEnc: current.enc,
          now: this.dialect.dateParam(now),
        },
      )
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Deletes the endpoint and every delivery of it; whether it existed. */
  async delete(manager: EntityManager, id: string): Promise<boolean> {
    await manager.getRepository(WebhookDeliveryEntity).delete({ webhookId: id });
    const result = await manager.getRepository(WebhookEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** The enabled endpoints, as the fan-out matches events to them. */
  async enabledFilters(manager: EntityManager): Promise<EndpointFilter[]> {
    const rows = await manager
      .getRepository(WebhookEntity)
      .find({ select: { id: true, firmId: true, eventTypes: true }, where: { enabled: 1 } });
    return rows.map((r) => {
      const types = typesOf(r.eventTypes);
      return {
        id: String(r.id),
        firmId: r.firmId === null ? null : String(r.firmId),
        eventTypes: types && new Set(types),
      };
    });
  }

  /** Pending deliveries per endpoint (index idx_delivery_task_order's prefix). */
  async pendingCounts(manager: EntityManager, ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows: { webhook_id: string | number; n: string | number }[] = await manager
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder('d')
      .select('d.webhook_id', 'webhook_id')
      .addSelect('COUNT(*)', 'n')
      .where({ webhookId: In([...ids]), status: DeliveryStatus.Pending })
      .groupBy('d.webhook_id')
      .getRawMany();
    return new Map(rows.map((r) => [String(r.webhook_id), Number(r.n)]));
  }

  // --- health, as the relay records it ---------------------------------------------------------------------------

  /**
   * The endpoint answered 2xx at `at` (a relay round's last success): the failure streak ends, unless a failure
   * came after it (then the streak starts there).
   */
  async recordSuccess(manager: EntityManager, id: string, at: Date): Promise<void> {
    const when = this.dialect.dateParam(at);
    await manager.query(
      'UPDATE ai_visitor_webhook SET last_success_at = ?, ' +
        'failing_since = CASE WHEN last_failure_at IS NOT NULL AND last_failure_at > ? THEN last_failure_at ELSE NULL END WHERE id = ?',
      [when, when, id],
    );
  }

  async recordFailure(manager: EntityManager, id: string, now: Date, error: string): Promise<void> {
    const at = this.dialect.dateParam(now);
    await manager.query(
      'UPDATE ai_visitor_webhook SET last_failure_at = ?, last_error = ?, failing_since = COALESCE(failing_since, ?) WHERE id = ?',
      [at, error.slice(0, MAX_ERROR), at, id],
    );
  }

  /**
   * Disables the endpoint if it is still enabled and has failed without a success since `threshold` or earlier
   * (a success clears `failing_since`); whether it did. The compare-and-set makes one worker the one that
   * disables it, so `webhook.disabled` is written once.
   */
  async disableIfFailingSince(
    manager: EntityManager,
    id: string,
    threshold: Date,
    reason: string,
    now: Date,
  ): Promise<boolean> {
    const result = await manager
      .getRepository(WebhookEntity)
      .createQueryBuilder()
      .update()
      .set({ enabled: 0, disabledReason: reason.slice(0, MAX_ERROR), updatedAt: now })
      .where('id = :id AND enabled = 1 AND failing_since IS NOT NULL AND failing_since <= :threshold', {
        id,
        threshold: this.dialect.dateParam(threshold),
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

/** The stored list of types (comma-separated), or null for every type. */
export function typesOf(stored: string | null): EventType[] | null {
  return stored === null ? null : (stored.split(',').filter(Boolean) as EventType[]);
}

export function storedTypes(types: readonly EventType[] | null | undefined): string | null {
  return types ? [...new Set(types)].sort().join(',') : null;
}

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export function toWebhookView(row: WebhookEntity, pending: number): WebhookView {
  return {
    id: String(row.id),
    firmId: row.firmId === null ? null : String(row.firmId),
    url: row.url,
    eventTypes: typesOf(row.eventTypes),
    fullPhones: Number(row.fullPhones) === 1,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabledReason,
    failingSince: iso(row.failingSince),
    lastSuccessAt: iso(row.lastSuccessAt),
    lastFailureAt: iso(row.lastFailureAt),
    lastError: row.lastError,
    pendingDeliveries: pending,
    previousSecretExpiresAt: iso(row.previousSecretExpiresAt),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}
