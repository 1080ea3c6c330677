import { Injectable, Logger, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { EntityManager } from 'typeorm';
import { ClockModule, configModuleFor, phoneVaultConfig, PhoneVaultModule } from '@app/core';
import { databaseConfig, DatabaseModule, TransactionRunner } from '@app/database';
import {
  EventBatchRenderer,
  EventFeedModule,
  EventOutbox,
  eventsConfig,
  EventsModule,
  FullPhoneSource,
  ListEvents,
  NewEvent,
  RunRelayRound,
  StoredEventBatch,
  WebhookRelayModule,
} from '@app/events';
import { TEST_PHONE_KEYS } from './support/phone-keys';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { DbValue } from './support/db-rows';

/**
 * The port event batches are rendered through (EventBatchRenderers): the app gives the module that hosts the
 * sequencer a renderer for every kind of batch, and the module refuses to boot without one, rather than failing
 * at the first batch it sequences. With one, the relay renders through it: no task module, no discovery.
 */

/** A renderer that says what it was given: one `contact.called` per entry, its sequence the entry. */
@Injectable()
class RecordingRenderer implements EventBatchRenderer {
  readonly calls: StoredEventBatch[][] = [];

  render(_manager: EntityManager, batches: readonly StoredEventBatch[]): Promise<NewEvent[][]> {
    this.calls.push([...batches]);
    return Promise.resolve(
      batches.map((b) =>
        b.entries.map((entry): NewEvent => ({
          type: 'contact.called',
          firmId: b.firmId,
          taskId: b.taskId,
          sequence: Number(entry),
          data: { rendered: entry },
        })),
      ),
    );
  }
}

@Module({ providers: [RecordingRenderer], exports: [RecordingRenderer] })
class RecordingRendererModule {}

class NoPhones extends FullPhoneSource {
  fullPhone(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

@Module({ providers: [NoPhones], exports: [NoPhones] })
class NoPhonesModule {}

const relayWith = (batchRenderers: Parameters<typeof EventFeedModule.forRoot>[0]['batchRenderers']) =>
  WebhookRelayModule.forRoot({ fullPhones: { imports: [NoPhonesModule], useExisting: NoPhones }, batchRenderers });

describe('event batch renderers (the port the sequencer renders batches through)', () => {
  let db: TestDatabase;
  const saved = { ...process.env };

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, { ...db.env, ...TEST_PHONE_KEYS });
    Logger.overrideLogger(false);
  });

  afterAll(async () => {
    process.env = saved;
    await db?.drop();
  });

  const roots = () => [
    configModuleFor([databaseConfig, phoneVaultConfig, eventsConfig]),
    DatabaseModule.forRootFromConfig(),
    ClockModule,
    PhoneVaultModule,
  ];
  const compile = (module: ReturnType<typeof relayWith>) =>
    Test.createTestingModule({ imports: [...roots(), EventsModule, module] }).compile();

  it.each([
    ['the feed (the API)', () => EventFeedModule.forRoot({ batchRenderers: { renderers: {} as never } })],
    ['the relay (the worker)', () => relayWith({ renderers: {} as never })],
  ])('%s does not boot without a renderer for every kind, and says which', async (_name, module) => {
    await expect(compile(module())).rejects.toThrow(
      /the events sequencer has no renderer for event batches of kind 'records': give batchRenderers\.renderers\.records/,
    );
  });

  it('does not boot with a renderer that cannot render', async () => {
    @Injectable()
    class NotARenderer {}
    @Module({ providers: [NotARenderer], exports: [NotARenderer] })
    class NotARendererModule {}
    await expect(
      compile(
        EventFeedModule.forRoot({
          batchRenderers: { imports: [NotARendererModule], renderers: { records: NotARenderer as never } },
        }),
      ),
    ).rejects.toThrow(/no renderer for event batches of kind 'records'/);
  });

  describe('with a renderer given', () => {
    let moduleRef: TestingModule;

    beforeAll(async () => {
      moduleRef = await compile(
        relayWith({ imports: [RecordingRendererModule], renderers: { records: RecordingRenderer } }),
      );
      await moduleRef.init();
    });

    afterAll(async () => {
      await moduleRef?.close();
    });

    it('the relay renders a batch through it, in the batch row’s place, and the batch row is gone', async () => {
      const tx = moduleRef.get(TransactionRunner);
      const outbox = moduleRef.get(EventOutbox);
      await tx.run(async (manager) => {
        await outbox.append(manager, [
          { type: 'task.started', firmId: '7', taskId: '70', sequence: 1, data: { taskId: '70' } },
        ]);
        await outbox.appendBatch(manager, { kind: 'records', firmId: '7', taskId: '70', entries: [2, 3] });
        await outbox.append(manager, [
          { type: 'task.paused', firmId: '7', taskId: '70', sequence: 4, data: { taskId: '70' } },
        ]);
      });

      const round = await moduleRef.get(RunRelayRound).execute();

      expect(round.sequenced).toBe(4);
      const renderer = moduleRef.get(RecordingRenderer, { strict: false });
      expect(renderer.calls).toEqual([[{ firmId: '7', taskId: '70', entries: [2, 3] }]]);
      const page = await moduleRef.get(ListEvents, { strict: false }).execute({ firmId: '7', limit: 10 });
      expect(page.items.map((e) => [e.type, e.sequence, e.data])).toEqual([
        ['task.started', 1, { taskId: '70' }],
        ['contact.called', 2, { rendered: 2 }],
        ['contact.called', 3, { rendered: 3 }],
        ['task.paused', 4, { taskId: '70' }],
      ]);
      expect(page.items.map((e) => Number(e.position))).toEqual([1, 2, 3, 4]);
      const [{ n }] = await tx.autocommit.query<{ n: DbValue }[]>(
        "SELECT COUNT(*) AS n FROM ai_visitor_event WHERE type LIKE 'batch:%'",
      );
      expect(Number(n)).toBe(0);
    });
  });
});
