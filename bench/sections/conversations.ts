import { Test, TestingModule } from '@nestjs/testing';
import { RowDataPacket } from 'mysql2/promise';
import { RunSyncPass } from '@app/task';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { scalar, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { startSimulatorProcess } from '../lib/simulator-process';
import { SectionContext, setAppEnv } from '../lib/context';
import { localDatabaseCpuMs, log, median, processCpuMs, round, timed } from '../lib/util';
import { prepareDialledCampaigns } from './ingest';

export interface ConversationsRep {
  records: number;
  withPerSec: number;
  withoutPerSec: number;
  conversations: number;
  /** CPU seconds of each pass (with / without): the bench process (the worker module), MariaDB, the simulator. */
  cpu: { with: PassCpu; without: PassCpu };
}

export interface PassCpu {
  app: number;
  database?: number;
  /** The simulator's own process; undefined when it runs in the bench process (its CPU is then in `app`). */
  simulator?: number;
}

export interface ConversationsResult {
  /** Where the simulators ran: their own processes (the default) or the bench's (BENCH_CONVERSATIONS_SIMULATOR=inline). */
  simulator: 'process' | 'inline';
  records: number;
  transcriptBytes: number;
  perRep: ConversationsRep[];
  withPerSec: number;
  withoutPerSec: number;
  /** Median over repetitions of (with / without); the target is ≥ 0.8. */
  ratio: number;
  /** Conversations stored by a pass with them (one per record). */
  conversations: number;
  /** The conversation table on disk after a pass with them (data and indexes, InnoDB's estimate), per row. */
  bytesPerConversation: number;
  /** The call-record table likewise, per record, for comparison. */
  bytesPerRecord: number;
}

/** What the platform says on each call in this section: a transcript of at least 1 KB of UTF-8. */
const TRANSCRIPT_BYTES = 1024;

/**
 * What storing the conversations costs the ingest (issue 22): the same dialled campaigns (every call connected)
 * read and stored by one sync pass of the real worker module, from a platform whose every record carries its
 * conversation (a 1 KB transcript, a summary, a recording link: sealed and stored beside the record) and from one
 * whose records carry none, back to back in each repetition, the order alternating. Two simulators, one worker
 * module each, the same seed: the records differ only in the conversation. The simulators run in processes of
 * their own (a platform is another machine: the larger pages it serves are not the app's CPU), or in the bench's
 * with BENCH_CONVERSATIONS_SIMULATOR=inline, as the ingest section runs its own.
 */
export async function runConversations(ctx: SectionContext): Promise<ConversationsResult> {
  const { db, config } = ctx;
  const options = { callMs: 0, parallelism: 10_000, connectRate: 1 };
  const inline = process.env.BENCH_CONVERSATIONS_SIMULATOR === 'inline';
  const start = async (o: typeof options & { conversationRate: number; transcriptBytes?: number }) =>
    inline ? { simulator: await BenchSimulator.start(o), pid: undefined } : startSimulatorProcess(o);
  const saidProcess = await start({ ...options, conversationRate: 1, transcriptBytes: TRANSCRIPT_BYTES });
  const silentProcess = await start({ ...options, conversationRate: 0 });
  const said = saidProcess.simulator;
  const silent = silentProcess.simulator;
  ctx.onCleanup(() => said.close().catch(() => undefined));
  ctx.onCleanup(() => silent.close().catch(() => undefined));
  const workerFor = async (simulator: BenchSimulator): Promise<TestingModule> => {
    setAppEnv(db, simulator.baseUrl, { INCONVENIENT_CALLBACK_DAYS: '1' });
    const m = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ scheduled: false })] }).compile();
    m.useLogger(['error']);
    await m.init();
    return m;
  };
  const withWorker = await workerFor(said);
  const withoutWorker = await workerFor(silent);
  const perRep: ConversationsRep[] = [];
  let bytesPerConversation = NaN;
  let bytesPerRecord = NaN;
  try {
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      const order = rep % 2 === 0 ? [true, false] : [false, true];
      const rates: Record<string, number> = {};
      const cpu: Record<string, PassCpu> = {};
      let records = 0;
      let conversations = 0;
      for (const withConversations of order) {
        const simulator = withConversations ? said : silent;
        await truncateAll(db.pool);
        await said.reset();
        await silent.reset();
        const expected = await prepareDialledCampaigns(ctx, simulator, rep * 2 + (withConversations ? 0 : 1));
        const worker = withConversations ? withWorker : withoutWorker;
        const simulatorPid = (withConversations ? saidProcess : silentProcess).pid;
        const before = { app: process.cpuUsage(), db: localDatabaseCpuMs(), sim: processCpuMs(simulatorPid) };
        const pass = await timed(() => worker.get(RunSyncPass).execute());
        const appCpu = process.cpuUsage(before.app);
        const dbCpu = localDatabaseCpuMs();
        const simCpu = processCpuMs(simulatorPid);
        cpu[String(withConversations)] = {
          app: round((appCpu.user + appCpu.system) / 1e6, 2),
          database: dbCpu !== undefined && before.db !== undefined ? round((dbCpu - before.db) / 1000, 2) : undefined,
          simulator:
            simCpu !== undefined && before.sim !== undefined ? round((simCpu - before.sim) / 1000, 2) : undefined,
        };
        records = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
        const stored = await scalar(db.pool, 'SELECT COUNT(*) FROM call_conversation');
        if (records !== expected || pass.value.failed > 0)
          log(`conversations: WARNING stored ${records} of ${expected} records, ${pass.value.failed} task(s) failed`);
        if (withConversations) {
          conversations = stored;
          if (stored !== records) log(`conversations: WARNING ${stored} conversations for ${records} records`);
          await db.pool.query('ANALYZE TABLE call_conversation, ai_visitor_call_record');
          const [sizes] = await db.pool.query<RowDataPacket[]>(
            `SELECT table_name AS t, data_length + index_length AS bytes FROM information_schema.tables
              WHERE table_schema = DATABASE() AND table_name IN ('call_conversation', 'ai_visitor_call_record')`,
          );
          const size = new Map(sizes.map((r) => [String(r.t), Number(r.bytes)]));
          bytesPerConversation = round((size.get('call_conversation') ?? NaN) / Math.max(stored, 1), 0);
          bytesPerRecord = round((size.get('ai_visitor_call_record') ?? NaN) / Math.max(records, 1), 0);
        } else if (stored !== 0) log(`conversations: WARNING ${stored} conversations stored from a silent platform`);
        rates[String(withConversations)] = records / (pass.ms / 1000);
      }
      const r: ConversationsRep = {
        records,
        withPerSec: round(rates.true, 0),
        withoutPerSec: round(rates.false, 0),
        conversations,
        cpu: { with: cpu.true, without: cpu.false },
      };
      perRep.push(r);
      const cpuText = (c: PassCpu) =>
        `bench ${c.app} s, database ${c.database ?? '?'} s${c.simulator === undefined ? '' : `, simulator ${c.simulator} s`}`;
      log(
        `conversations: rep ${rep + 1}/${config.repsExpensive}: ingest ${r.withPerSec}/s with a 1 KB transcript a record (${conversations} conversations), ${r.withoutPerSec}/s without ` +
          `(CPU with: ${cpuText(r.cpu.with)}; without: ${cpuText(r.cpu.without)})`,
      );
    }
  } finally {
    await withWorker.close();
    await withoutWorker.close();
    await said.close().catch(() => undefined);
    await silent.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
  return {
    simulator: inline ? 'inline' : 'process',
    records: perRep[0]?.records ?? 0,
    transcriptBytes: TRANSCRIPT_BYTES,
    perRep,
    withPerSec: median(perRep.map((r) => r.withPerSec)),
    withoutPerSec: median(perRep.map((r) => r.withoutPerSec)),
    ratio: round(median(perRep.map((r) => r.withPerSec / r.withoutPerSec)), 3),
    conversations: perRep[0]?.conversations ?? 0,
    bytesPerConversation,
    bytesPerRecord,
  };
}
