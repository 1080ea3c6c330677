import { DataSource } from 'typeorm';
import { EventOutbox, EventView, ListEvents, PurgeExpiredEvents } from '@app/events';
import { NotifyBotExpiry } from '@app/firm-bot-quota';
import { TransactionRunner } from '@app/database';
import { Clock } from '@app/core';
import { asAdmin, Harness, startHarness } from './support/harness';
import { sample } from './operations/ops-stack';
import { SyncScheduler } from '../apps/worker/src/sync.scheduler';
import { bodyOf, RegisteredWebhookResponse, WebhookResponse } from './support/api-types';
import { DbRow } from './support/db-rows';

const DAY = 24 * 3600_000;
const MINUTE = 60_000;

/** The service's time, set by the test and standing still in between. */
class FixedClock extends Clock {
  private at = new Date();

  now(): Date {
    return new Date(this.at);
  }

  set(at: Date): void {
    this.at = at;
  }
}

/** The worker's events housekeeping, on an injected clock: the BOT expiry notices and the retention purge. */
describe('events housekeeping', () => {
  const clock = new FixedClock();
  let h: Harness;
  let ds: DataSource;
  const t0 = new Date(Date.UTC(2031, 0, 5, 8, 0, 0));

  beforeAll(async () => {
    h = await startHarness({ clock });
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    await h.close();
  });

  const at = (offsetMs: number) => clock.set(new Date(t0.getTime() + offsetMs));

  async function grant(
    firmId: number,
    expireAt: Date,
    grant: Partial<{ isOpenBot: boolean; botTaskNum: number }> = {},
  ) {
    await h
      .http()
      .put(`/v1/admin/firms/${firmId}/bot`)
      .set(asAdmin())
      .send({ isOpenBot: true, botTaskNum: 10, botExpireAt: expireAt.toISOString(), ...grant })
      .expect(200);
  }

  async function expiryEvents(firmId: number): Promise<EventView[]> {
    const page = await h.api
      .get(ListEvents)
      .execute({ firmId: String(firmId), types: ['firm.bot_expiring', 'firm.bot_expired'], limit: 1000 });
    return page.items;
  }

  const notify = () => h.worker.get(NotifyBotExpiry).execute();

  describe('BOT expiry notices', () => {
    it('tells a week ahead, a day ahead and at expiry, each once, through the cron handler too', async () => {
      const firm = 8101;
      const expireAt = new Date(t0.getTime() + 10 * DAY);
      at(0);
      await grant(firm, expireAt);
      await notify();
      expect(await expiryEvents(firm)).toEqual([]);

      at(3 * DAY + MINUTE); // 7 days minus a minute left
      await h.worker.get(SyncScheduler).tick('bot-expiry');
      await notify();
      at(5 * DAY);
      await notify();
      at(9 * DAY + MINUTE); // a day minus a minute left
      await notify();
      await notify();
      at(10 * DAY);
      await notify();
      at(12 * DAY);
      await notify();

      const events = await expiryEvents(firm);
      expect(events.map((e) => [e.type, e.data.daysLeft])).toEqual([
        ['firm.bot_expiring', 7],
        ['firm.bot_expiring', 1],
        ['firm.bot_expired', 0],
      ]);
      expect(events[0]).toMatchObject({
        firmId: String(firm),
        taskId: null,
        sequence: null,
        data: {
          firmId: String(firm),
          botExpireAt: expireAt.toISOString(),
          daysLeft: 7,
          isOpenBot: true,
          quota: { botTaskNum: 10, botTaskUsed: 0, botTaskRemaining: 10 },
        },
      });
      expect(events[0].createdAt).toBe(new Date(t0.getTime() + 3 * DAY + MINUTE).toISOString());
    });

    it('starts afresh for a new grant with another expiry date, not for a grant changing the quota only', async () => {
      const firm = 8102;
      at(0);
      await grant(firm, new Date(t0.getTime() + 2 * DAY));
      at(DAY + MINUTE);
      await notify(); // a day left: the week's notice was overtaken, only this one goes out
      await grant(firm, new Date(t0.getTime() + 2 * DAY), { botTaskNum: 50 });
      await notify();
      expect((await expiryEvents(firm)).map((e) => e.data.daysLeft)).toEqual([1]);

      await grant(firm, new Date(t0.getTime() + 20 * DAY), { botTaskNum: 50 }); // renewed
      await notify();
      at(13 * DAY + MINUTE);
      await notify();
      await notify();
      const events = await expiryEvents(firm);
      expect(events.map((e) => e.data.daysLeft)).toEqual([1, 7]);
      expect(events[1].data).toMatchObject({
        botExpireAt: new Date(t0.getTime() + 20 * DAY).toISOString(),
        quota: { botTaskNum: 50 },
      });
    });

    it('says nothing for a closed BOT, and its notices come when it is reopened before its expiry', async () => {
      const firm = 8103;
      const expireAt = new Date(t0.getTime() + 3 * DAY);
      at(0);
      await grant(firm, expireAt, { isOpenBot: false });
      await notify();
      at(2 * DAY + MINUTE);
      await notify();
      expect(await expiryEvents(firm)).toEqual([]);
      await grant(firm, expireAt, { isOpenBot: true });
      await notify();
      expect((await expiryEvents(firm)).map((e) => e.data.daysLeft)).toEqual([1]);
    });

    it('is silent about an expiry more than a week past (granted in the past)', async () => {
      const firm = 8104;
      at(0);
      await grant(firm, new Date(t0.getTime() - 8 * DAY));
      await notify();
      expect(await expiryEvents(firm)).toEqual([]);
      await grant(firm, new Date(t0.getTime() - DAY)); // a closing date set in the recent past: announced once
      await notify();
      await notify();
      expect((await expiryEvents(firm)).map((e) => e.type)).toEqual(['firm.bot_expired']);
    });

    it('sends each notice once when several workers run at the same time', async () => {
      const firms = [8111, 8112, 8113, 8114, 8115];
      at(0);
      for (const firm of firms) await grant(firm, new Date(t0.getTime() + 5 * DAY));
      // In one process two SQLite connections would block each other's event loop (the driver waits synchronously):
      // there the runs race on one connection (they read before either writes), on MariaDB with two workers' own.
      const other = h.db.kind === 'mysql' ? await h.addWorker() : h.worker;
      const runs = await Promise.all([
        notify(),
        other.get(NotifyBotExpiry).execute(),
        notify(),
        other.get(NotifyBotExpiry).execute(),
      ]);
      expect(runs.reduce((n, r) => n + r.notified, 0)).toBe(firms.length);
      for (const firm of firms) expect((await expiryEvents(firm)).map((e) => e.data.daysLeft)).toEqual([7]);
    });
  });

  describe('retention', () => {
    const firm = 8201;

    async function eventIds(): Promise<string[]> {
      const page = await h.api.get(ListEvents).execute({ firmId: String(firm), limit: 1000 });
      return page.items.map((e) => String(e.data.n));
    }

    it('deletes the events older than EVENTS_RETENTION_DAYS with their deliveries, in batches, and keeps the rest', async () => {
      // Far past the notices above: the first purge takes them, then this test's events are all there is.
      const base = 100 * DAY;
      at(base);
      await h.worker.get(PurgeExpiredEvents).execute({});
      const outbox = h.api.get(EventOutbox);
      const tx = h.api.get(TransactionRunner);
      const writeAt = async (offsetMs: number, names: string[]) => {
        at(base + offsetMs);
        await tx.run((m) =>
          outbox.append(
            m,
            names.map((n) => ({ type: 'contact.called' as const, firmId: String(firm), taskId: '9', data: { n } })),
          ),
        );
      };
      await writeAt(0, ['old-1', 'old-2', 'old-3', 'old-4', 'old-5']);
      await writeAt(5 * DAY, ['newer-1', 'newer-2']);
      await writeAt(31 * DAY, ['new-1']);
      await eventIds(); // positioned
      const [old] = await ds.query<DbRow[]>("SELECT id FROM ai_visitor_event WHERE data LIKE '%old-1%'");
      const [kept] = await ds.query<DbRow[]>("SELECT id FROM ai_visitor_event WHERE data LIKE '%newer-1%'");
      for (const [webhookId, eventPk] of [
        [1, old.id],
        [2, old.id],
        [1, kept.id],
      ]) {
        await ds.query(
          'INSERT INTO ai_visitor_webhook_delivery (webhook_id, event_pk, task_id, sequence, next_attempt_at, created_at) VALUES (?, ?, 9, NULL, ?, ?)',
          [webhookId, eventPk, '2031-04-15 08:00:00.000', '2031-04-15 08:00:00.000'],
        );
      }

      at(base + 30 * DAY - MINUTE); // nothing is 30 days old yet
      expect(await h.worker.get(PurgeExpiredEvents).execute({ batch: 2 })).toEqual({ events: 0, deliveries: 0 });

      at(base + 30 * DAY + MINUTE);
      expect(await h.worker.get(PurgeExpiredEvents).execute({ batch: 2 })).toEqual({ events: 5, deliveries: 2 });
      expect(await eventIds()).toEqual(['newer-1', 'newer-2', 'new-1']);
      expect(
        (await ds.query<{ event_pk: unknown }[]>('SELECT event_pk FROM ai_visitor_webhook_delivery')).map((r) =>
          String(r.event_pk),
        ),
      ).toEqual([String(kept.id)]);

      at(base + 36 * DAY);
      await h.worker.get(SyncScheduler).tick('events-housekeeping');
      expect(await eventIds()).toEqual(['new-1']);
      expect(await ds.query('SELECT event_pk FROM ai_visitor_webhook_delivery')).toEqual([]);
    });
  });

  describe('deliveries that can never be sent', () => {
    const firm = 8301;
    const unsendable = async (reason: string) =>
      sample((await h.http().get('/metrics').expect(200)).text, 'aiv_webhook_deliveries_unsendable_total', {
        reason,
      }) ?? 0;

    it('are given up with their reason and counted, so nothing stays pending for ever; a sendable one waits', async () => {
      const base = 200 * DAY;
      at(base);
      const register = async () =>
        bodyOf<RegisteredWebhookResponse>(
          await h
            .http()
            .post('/v1/admin/webhooks')
            .set(asAdmin())
            .send({ url: 'http://127.0.0.1:9/hooks', firmId: String(firm) })
            .expect(201),
        ).id;
      const hook = await register();
      const other = await register();
      const outbox = h.api.get(EventOutbox);
      const tx = h.api.get(TransactionRunner);
      const write = async (n: string, taskId: string, sequence: number) => {
        await tx.run((m) =>
          outbox.append(m, [{ type: 'contact.called', firmId: String(firm), taskId, sequence, data: { n } }]),
        );
        const [row] = await ds.query<DbRow[]>('SELECT id FROM ai_visitor_event WHERE data LIKE ?', [`%"${n}"%`]);
        return String(row.id);
      };
      const deliver = (
        webhookId: string,
        eventPk: string,
        taskId: string | null,
        sequence: number | null,
        status = 0,
      ) =>
        ds.query(
          'INSERT INTO ai_visitor_webhook_delivery (webhook_id, event_pk, task_id, sequence, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [webhookId, eventPk, taskId, sequence, status, '2031-07-24 08:00:00.000', '2031-07-24 08:00:00.000'],
        );
      // Its event deleted after the delivery was made (a redelivery racing the retention purge): a task's event
      // whose sequence is not its task's head, so no relay round would ever claim it.
      const gone = await write('gone', '77', 3);
      await deliver(hook, gone, '77', null);
      await ds.query('DELETE FROM ai_visitor_event WHERE id = ?', [gone]);
      // An unrendered batch row (what a redelivery by range used to schedule): not an event, never sent as one.
      await ds.query(
        "INSERT INTO ai_visitor_event (type, firm_id, task_id, sequence, data, created_at) VALUES ('batch:records', ?, 78, NULL, '[]', '2031-07-24 08:00:00.000')",
        [firm],
      );
      const [batch] = await ds.query<DbRow[]>(
        "SELECT id FROM ai_visitor_event WHERE type = 'batch:records' AND firm_id = ?",
        [firm],
      );
      await deliver(hook, String(batch.id), '78', null);
      // Delivered before its event went: history, left alone. Not positioned yet: sendable once it is, left alone.
      const old = await write('old', '79', 1);
      await deliver(hook, old, '79', 1, 1);
      await ds.query('DELETE FROM ai_visitor_event WHERE id = ?', [old]);
      const waiting = await write('waiting', '80', 1);
      await deliver(other, waiting, '80', 1);
      const pendingOf = async (id: string) =>
        bodyOf<WebhookResponse>(await h.http().get(`/v1/admin/webhooks/${id}`).set(asAdmin()).expect(200))
          .pendingDeliveries;
      expect([await pendingOf(hook), await pendingOf(other)]).toEqual([2, 1]);
      const before = { gone: await unsendable('event_gone'), unrendered: await unsendable('unrendered') };

      await h.worker.get(SyncScheduler).tick('events-housekeeping');
      await h.worker.get(SyncScheduler).tick('events-housekeeping'); // twice: given up and counted once

      const rows = await ds.query<
        {
          event_pk: string | number;
          status: number;
          last_error: string | null;
          lease_owner: string | null;
        }[]
      >(
        'SELECT event_pk, status, last_error, lease_owner FROM ai_visitor_webhook_delivery WHERE webhook_id IN (?, ?) ORDER BY id',
        [hook, other],
      );
      expect(rows.map((r) => ({ ...r, event_pk: String(r.event_pk), status: Number(r.status) }))).toEqual([
        { event_pk: gone, status: 2, last_error: 'event no longer stored', lease_owner: null },
        {
          event_pk: String(batch.id),
          status: 2,
          last_error: 'not an event: a batch row never rendered',
          lease_owner: null,
        },
        { event_pk: old, status: 1, last_error: null, lease_owner: null },
        { event_pk: waiting, status: 0, last_error: null, lease_owner: null },
      ]);
      expect([await pendingOf(hook), await pendingOf(other)]).toEqual([0, 1]);
      expect({ gone: await unsendable('event_gone'), unrendered: await unsendable('unrendered') }).toEqual({
        gone: before.gone + 1,
        unrendered: before.unrendered + 1,
      });
    });
  });
});
