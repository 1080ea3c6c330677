import { Test, TestingModule } from '@nestjs/testing';
import { EventOutbox, EventSequencer } from '@app/events';
import { RunSyncPass } from '@app/task';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { scalar, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { SectionContext, setAppEnv } from '../lib/context';
import { log, median, round, timed } from '../lib/util';
import { prepareDialledCampaigns } from './ingest';

export interface EventsRep {
  records: number;
  withOutboxPerSec: number;
  withoutOutboxPerSec: number;
  /** Outbox rows the pass wrote (a page's results are one batch row). */
  outboxRows: number;
  /** Events the sequencer rendered and positioned from them, after the pass, and how fast. */
  events: number;
  renderPerSec: number;
}

export interface EventsResult {
  records: number;
  perRep: EventsRep[];
  withOutboxPerSec: number;
  withoutOutboxPerSec: number;
  /** Median over repetitions of (with outbox / without): 1 means free; the target is ≥ 0.85 (≤ 15% slower). */
  outboxRatio: number;
  outboxRows: number;
  events: number;
  /** Median events/s of rendering the batches (the sequencer, in the relay, off the ingest path). */
  renderPerSec: number;
}

/**
 * What the transactional outbox costs the ingest: the same dialled campaigns stored by one sync pass of the real
 * worker module, once as shipped (a `contact.called` row per record, and `candidate.interested` beside the
 * interested ones, in each page's transaction) and once with the outbox replaced by a no-op, back to back in each
 * repetition, the order alternating. A page writes its results' events as one compact batch row; the sequencer
 * renders it into the events after commit (the relay's work, not the ingest's): timed apart, so its cost shows.
 */
export async function runEvents(ctx: SectionContext): Promise<EventsResult> {
  const { db, config } = ctx;
  const simulator = await BenchSimulator.start({ callMs: 0, parallelism: 10_000 });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  setAppEnv(db, simulator.baseUrl, { INCONVENIENT_CALLBACK_DAYS: '1' });
  const build = (withOutbox: boolean) => {
    const builder = Test.createTestingModule({ imports: [WorkerModule.forRoot({ scheduled: false })] });
    return (
      withOutbox
        ? builder
        : builder
            .overrideProvider(EventOutbox)
            .useValue({ append: () => Promise.resolve(), appendBatch: () => Promise.resolve() })
    ).compile();
  };
  const withOutbox: TestingModule = await build(true);
  const withoutOutbox: TestingModule = await build(false);
  for (const m of [withOutbox, withoutOutbox]) {
    m.useLogger(['error']);
    await m.init();
  }
  const perRep: EventsRep[] = [];
  try {
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      const order = rep % 2 === 0 ? [true, false] : [false, true];
      const rates: Record<string, number> = {};
      let records = 0;
      let events = 0;
      let outboxRows = 0;
      let renderPerSec = 0;
      for (const outbox of order) {
        await truncateAll(db.pool);
        await simulator.reset();
        await prepareDialledCampaigns(ctx, simulator, rep * 2 + (outbox ? 0 : 1));
        const pass = await timed(() => (outbox ? withOutbox : withoutOutbox).get(RunSyncPass).execute());
        records = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
        if (outbox) {
          outboxRows = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_event');
          const render = await timed(() => withOutbox.get(EventSequencer).sequenceAll());
          events = render.value;
          renderPerSec = events / (render.ms / 1000);
          const left = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_event WHERE position IS NULL');
          if (left !== 0) log(`events: WARNING ${left} outbox row(s) left unrendered`);
        }
        rates[String(outbox)] = records / (pass.ms / 1000);
      }
      const r: EventsRep = {
        records,
        withOutboxPerSec: round(rates.true, 0),
        withoutOutboxPerSec: round(rates.false, 0),
        outboxRows,
        events,
        renderPerSec: round(renderPerSec, 0),
      };
      perRep.push(r);
      log(
        `events: rep ${rep + 1}/${config.repsExpensive}: ingest ${r.withOutboxPerSec}/s with the outbox (${outboxRows} rows), ${r.withoutOutboxPerSec}/s without; rendered ${events} events at ${r.renderPerSec}/s`,
      );
    }
  } finally {
    await withOutbox.close();
    await withoutOutbox.close();
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
  return {
    records: perRep[0]?.records ?? 0,
    perRep,
    withOutboxPerSec: median(perRep.map((r) => r.withOutboxPerSec)),
    withoutOutboxPerSec: median(perRep.map((r) => r.withoutOutboxPerSec)),
    outboxRatio: round(median(perRep.map((r) => r.withOutboxPerSec / r.withoutOutboxPerSec)), 3),
    outboxRows: perRep[0]?.outboxRows ?? 0,
    events: perRep[0]?.events ?? 0,
    renderPerSec: median(perRep.map((r) => r.renderPerSec)),
  };
}
