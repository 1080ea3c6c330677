import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull, Not } from 'typeorm';
import { SqlDialect } from '@app/database';
import { EventOutbox, NewEvent } from '@app/events';
import { lifecycleEventsOf } from '../domain/task-events';
import { TaskStatisticsReader } from '@app/stats';
import { TaskEntity } from '../entities/task.entity';
import { CallTaskEntity } from '../entities/call-task.entity';
import { ACTIVE_CALL_TASK_STATUSES, CallTaskStatus, PauseReason, TaskStatus } from '../domain/statuses';
import { assertCallTaskMoves, assertTaskMoves } from '../domain/transitions';
import { LeaseLostError, SyncFence } from '../domain/sync-fence';
import { TaskAccess } from '../domain/task-access';
import { TaskNotFoundError } from '../errors/task-errors';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';

export interface TaskListQuery {
  firmId: string;
  accountId: string;
  status?: TaskStatus;
  page: number;
  pageSize: number;
}

/** Statuses the sync visits: a task started and not finished. */
const SYNCABLE = [TaskStatus.Starting, TaskStatus.InProgress, TaskStatus.Paused];

/**
 * The task aggregate (a task row and its call tasks, the remote campaigns): the only writer of both tables.
 * Every method takes the EntityManager it runs on first: a transaction's (`TransactionRunner.run`), or
 * `TransactionRunner.autocommit` for a read outside one. Status changes are compare-and-sets checked against
 * the transition table; the lease columns are written only by the lease methods below.
 */
@Injectable()
export class TaskRepository {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly outbox: EventOutbox,
    private readonly statistics: TaskStatisticsReader,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  // --- reads -------------------------------------------------------------------------------------------------

  findById(manager: EntityManager, id: string): Promise<TaskEntity | null> {
    return manager.getRepository(TaskEntity).findOne({ where: { id } });
  }

  /** These tasks, by id (one query). */
  async findByIds(manager: EntityManager, ids: readonly string[]): Promise<Map<string, TaskEntity>> {
    if (ids.length === 0) return new Map();
    const rows = await manager.getRepository(TaskEntity).find({ where: { id: In([...ids]) } });
    return new Map(rows.map((r) => [String(r.id), r]));
  }

  /** Who owns the task (its firm and account never change): the ownership check's one read. */
  ownerOf(manager: EntityManager, id: string): Promise<Pick<TaskEntity, 'firmId' | 'accountId'> | null> {
    return manager
      .getRepository(TaskEntity)
      .findOne({ select: { id: true, firmId: true, accountId: true }, where: { id } });
  }

  async list(manager: EntityManager, query: TaskListQuery): Promise<{ items: TaskEntity[]; total: number }> {
    const [items, total] = await manager.getRepository(TaskEntity).findAndCount({
      where: { firmId: query.firmId, accountId: query.accountId, ...(query.status ? { status: query.status } : {}) },
      order: { id: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { items, total };
  }

  /** Tasks a call-window or BOT edge may change: running ones, and those the window paused (window columns only). */
  edgeCandidates(
    manager: EntityManager,
  ): Promise<
    Pick<
      TaskEntity,
      'id' | 'firmId' | 'status' | 'pauseReason' | 'windowStart' | 'windowEnd' | 'windowDays' | 'windowTz'
    >[]
  > {
    return manager.getRepository(TaskEntity).find({
      select: {
        id: true,
        firmId: true,
        status: true,
        pauseReason: true,
        windowStart: true,
        windowEnd: true,
        windowDays: true,
        windowTz: true,
      },
      where: [
        { status: In([TaskStatus.Starting, TaskStatus.InProgress]) },
        { status: TaskStatus.Paused, pauseReason: PauseReason.OutsideWindow },
      ],
    });
  }

  /**
   * Tasks not started whose scheduled start is due (`start_at <= now`), oldest schedule first, at most `limit`:
   * a range of `idx_task_scheduled (status, start_at)`, so its cost does not grow with the tasks started before.
   */
  async dueScheduled(
    manager: EntityManager,
    now: Date,
    limit: number,
  ): Promise<{ id: string; firmId: string; startAt: Date }[]> {
    const rows = await manager
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .select(['t.id', 't.firmId', 't.startAt'])
      .where('t.status = :status AND t.start_at <= :now', { status: TaskStatus.NotStarted, now })
      .orderBy('t.start_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map((r) => ({ id: String(r.id), firmId: String(r.firmId), startAt: r.startAt! }));
  }

  findActiveCallTask(manager: EntityManager, taskId: string): Promise<CallTaskEntity | null> {
    return manager.getRepository(CallTaskEntity).findOne({ where: { taskId, status: In(ACTIVE_CALL_TASK_STATUSES) } });
  }

  /** The active call task of each of these tasks, by task id (one query). */
  async findActiveCallTasks(manager: EntityManager, taskIds: readonly string[]): Promise<Map<string, CallTaskEntity>> {
    if (taskIds.length === 0) return new Map();
    const rows = await manager
      .getRepository(CallTaskEntity)
      .find({ where: { taskId: In([...taskIds]), status: In(ACTIVE_CALL_TASK_STATUSES) } });
    return new Map(rows.map((r) => [String(r.taskId), r]));
  }

  findCallTask(manager: EntityManager, id: string): Promise<CallTaskEntity | null> {
    return manager.getRepository(CallTaskEntity).findOne({ where: { id } });
  }

  findCallTaskByCampaign(manager: EntityManager, campaignId: string): Promise<CallTaskEntity | null> {
    return manager.getRepository(CallTaskEntity).findOne({ where: { campaignId } });
  }

  /**
   * Whether the platform created a campaign for the task. A campaign is started only once its id is recorded,
   * so without one nobody can have been dialled (then a cancel gives the quota slot back), whatever
   * `startedAt` says (a lost start reply leaves it null although calls were made).
   */
  async hasRemoteCampaigns(manager: EntityManager, taskId: string): Promise<boolean> {
    return (await manager.getRepository(CallTaskEntity).count({ where: { taskId, campaignId: Not(IsNull()) } })) > 0;
  }

  async nextBatchNo(manager: EntityManager, taskId: string): Promise<number> {
    const row = await manager
      .getRepository(CallTaskEntity)
      .createQueryBuilder('ct')
      .select('COALESCE(MAX(ct.batch_no), 0)', 'max')
      .where('ct.task_id = :taskId', { taskId })
      .getRawOne<{ max: string | number }>();
    return Number(row?.max ?? 0) + 1;
  }

  // --- the task lock -----------------------------------------------------------------------------------------

  /**
   * Serialises every state change of one task: start, pause, cancel and sync all take this lock first. Given
   * the `fence` of a worker's lease (the sync), it is also the fencing check, under the lock: a worker whose
   * lease expired and was taken over finds a newer epoch (LeaseLostError, nothing written); else the lease is
   * renewed.
   */
  async lock(manager: EntityManager, id: string, fence?: SyncFence): Promise<TaskEntity | null> {
    const task = await this.dialect.lockOne(manager, TaskEntity, id);
    if (task && fence) {
      if (String(task.leaseEpoch) !== String(fence.epoch)) throw new LeaseLostError(String(id));
      // Renewed once a third of the lease has passed, not at every lock (one statement less per page). Should
      // this transaction roll back, the last renewal that committed is at most two thirds old: still held.
      const now = performance.now();
      if (fence.renewedAt === undefined || now - fence.renewedAt >= (this.settings.syncLeaseSeconds * 1000) / 3) {
        await manager
          .createQueryBuilder()
          .update(TaskEntity)
          .set({ leaseUntil: () => this.dialect.nowPlus(this.settings.syncLeaseSeconds) })
          .where('id = :id', { id })
          .execute();
        fence.renewedAt = now;
      }
    }
    return task;
  }

  /**
   * Several tasks locked in one statement, in id order (so two transactions locking overlapping sets wait on each
   * other instead of deadlocking), read as they are now, `eventSeq` included. Tasks that do not exist are left out.
   */
  lockMany(manager: EntityManager, ids: readonly string[]): Promise<TaskEntity[]> {
    const unique = [...new Set(ids.map(String))].sort((a, b) => compareIds(a, b));
    return this.dialect.lockMany(manager, TaskEntity, unique);
  }

  /** The task a caller was granted access to, locked (it exists: the grant read it, and tasks are never deleted). */
  async lockGranted(manager: EntityManager, access: TaskAccess): Promise<TaskEntity> {
    const task = await this.lock(manager, access.taskId);
    if (!task) throw new TaskNotFoundError(access.taskId);
    return task;
  }

  // --- task writes -------------------------------------------------------------------------------------------

  async insert(manager: EntityManager, task: Partial<TaskEntity>): Promise<string> {
    const result = await manager.getRepository(TaskEntity).insert(task);
    return String(result.identifiers[0].id);
  }

  /**
   * Compare-and-set on the task as the caller locked it in this transaction (`lock`): changes it only while it
   * is in one of `from` and the row still shows the status and pause reason the caller holds; returns whether it
   * did, and then brings the caller's object in step with the row, so a later move in the same transaction
   * starts from it. The caller's copy is what the move is announced from: a stale one moves nothing and
   * announces nothing. Every status move it could make is checked against the transition table first
   * (IllegalTransitionError). A status move writes the lifecycle events it announces (domain/task-events) to the
   * outbox, in the same transaction.
   */
  async transition(
    manager: EntityManager,
    task: TaskEntity,
    from: readonly TaskStatus[],
    patch: Partial<TaskEntity>,
  ): Promise<boolean> {
    assertTaskMoves(from, patch.status);
    if (!from.includes(task.status)) return false;
    const before = { id: task.id, firmId: task.firmId, status: task.status, pauseReason: task.pauseReason };
    // Any status move may give the sync something to do: the task is due again (syncAfter).
    const change = patch.status === undefined ? patch : { syncAfter: null, ...patch };
    const result = await manager
      .getRepository(TaskEntity)
      .update({ id: task.id, status: task.status, pauseReason: task.pauseReason ?? IsNull() }, change);
    const moved = (result.affected ?? 0) === 1;
    if (!moved) return false;
    Object.assign(task, change);
    if (patch.status !== undefined) await this.announce(manager, before, patch);
    return true;
  }

  /** The lifecycle events of a status move, each with the task's next `sequence`. */
  private async announce(
    manager: EntityManager,
    before: Pick<TaskEntity, 'id' | 'firmId' | 'status' | 'pauseReason'>,
    patch: Partial<TaskEntity>,
  ): Promise<void> {
    const to = patch.status!;
    const reasonChanged =
      to === TaskStatus.Paused &&
      before.status === TaskStatus.Paused &&
      patch.pauseReason !== undefined &&
      patch.pauseReason !== before.pauseReason;
    const types = reasonChanged ? (['task.paused'] as const) : lifecycleEventsOf(before.status, to);
    if (types.length === 0) return;
    const taskId = String(before.id);
    const first = await this.allocateEventSequences(manager, taskId, types.length);
    const events: NewEvent[] = [];
    for (const [i, type] of types.entries()) {
      const data: Record<string, unknown> = { taskId, status: to, previousStatus: before.status };
      if (type === 'task.paused') data.pauseReason = patch.pauseReason ?? before.pauseReason ?? null;
      if (type === 'task.completed') data.statistics = await this.statistics.read(manager, taskId);
      events.push({ type, firmId: String(before.firmId), taskId, sequence: first + i, data });
    }
    await this.outbox.append(manager, events);
  }

  /**
   * Reserves `count` consecutive event sequence numbers of the task and returns the first. Called under the task's
   * lock, so a task's sequences are gapless and in commit order.
   */
  async allocateEventSequences(manager: EntityManager, taskId: string, count: number): Promise<number> {
    const last = await this.dialect.incrementReturning(manager, 'ai_visitor_task', 'event_seq', taskId, count);
    return last - count + 1;
  }

  /**
   * Reserves sequence numbers for several tasks in one statement, each locked by this transaction's `lockMany`
   * with nothing given out since (so `eventSeq` as read is current): returns each task's first. The loaded rows'
   * `eventSeq` move on with it.
   */
  async allocateLockedEventSequences(
    manager: EntityManager,
    counts: ReadonlyMap<TaskEntity, number>,
  ): Promise<Map<TaskEntity, number>> {
    const firsts = new Map<TaskEntity, number>();
    const rows: unknown[][] = [];
    for (const [task, count] of [...counts].sort(([a], [b]) => compareIds(String(a.id), String(b.id)))) {
      if (count <= 0) continue;
      firsts.set(task, Number(task.eventSeq) + 1);
      rows.push([Number(task.id), Number(task.eventSeq), count]);
    }
    if (rows.length === 0) return firsts;
    // Checked against the value read under the lock: a row given sequences meanwhile would be a bug, and fails.
    await this.dialect.updateRows(manager, 'ai_visitor_task', 'id', ['seen', 'n'], rows, {
      event_seq: 'CASE WHEN t.event_seq = v.seen THEN t.event_seq + v.n ELSE NULL END',
    });
    for (const [task, count] of counts) if (count > 0) task.eventSeq = Number(task.eventSeq) + count;
    return firsts;
  }

  /**
   * A recruiter's edit of the task's settings (EditTask), under its lock; never its status. The task is due for
   * the sync again (`syncAfter` cleared): a new window or retry gap may make it so sooner.
   */
  async updateSettings(manager: EntityManager, id: string, patch: Partial<TaskEntity>): Promise<void> {
    await manager.getRepository(TaskEntity).update({ id }, { ...patch, syncAfter: null });
  }

  /**
   * Sets or clears a task's scheduled start, on the task as the caller locked it; with `announce`, writes
   * `task.scheduled` (`startAt` null: unscheduled) with the task's next sequence, in the same transaction.
   */
  async setStartAt(
    manager: EntityManager,
    task: TaskEntity,
    startAt: Date | null,
    announce: { reason: 'recruiter' | 'no_contacts_waiting' } | null,
  ): Promise<void> {
    const previous = task.startAt;
    await manager
      .getRepository(TaskEntity)
      .createQueryBuilder()
      .update(TaskEntity)
      .set({ startAt })
      .where('id = :id', { id: task.id })
      .execute();
    task.startAt = startAt;
    if (!announce) return;
    const taskId = String(task.id);
    const sequence = await this.allocateEventSequences(manager, taskId, 1);
    await this.outbox.append(manager, [
      {
        type: 'task.scheduled',
        firmId: String(task.firmId),
        taskId,
        sequence,
        data: {
          taskId,
          status: task.status,
          startAt: startAt?.toISOString() ?? null,
          previousStartAt: previous?.toISOString() ?? null,
          reason: announce.reason,
        },
      },
    ]);
  }

  async setLastError(manager: EntityManager, taskId: string, lastError: string | null): Promise<void> {
    await manager
      .getRepository(TaskEntity)
      .update({ id: taskId }, { lastError: lastError === null ? null : lastError.slice(0, 255) });
  }

  // --- call-task writes --------------------------------------------------------------------------------------

  async insertCallTask(manager: EntityManager, callTask: Partial<CallTaskEntity>): Promise<string> {
    const result = await manager.getRepository(CallTaskEntity).insert(callTask);
    return String(result.identifiers[0].id);
  }

  /** Compare-and-set on a call task's status, checked against its transition table. */
  async updateCallTask(
    manager: EntityManager,
    id: string,
    from: readonly CallTaskStatus[],
    patch: Partial<CallTaskEntity>,
  ): Promise<boolean> {
    assertCallTaskMoves(from, patch.status);
    const result = await manager.getRepository(CallTaskEntity).update({ id, status: In([...from]) }, patch);
    return (result.affected ?? 0) === 1;
  }

  /**
   * Records the platform's campaign id for a call task still waiting for it. A call task given up meanwhile
   * (finished: cancelled or refused before its campaign existed) keeps none: false, and nobody starts it.
   */
  async recordCampaignId(manager: EntityManager, callTaskId: string, campaignId: string): Promise<boolean> {
    const result = await manager
      .getRepository(CallTaskEntity)
      .update({ id: callTaskId, campaignId: IsNull(), status: In(ACTIVE_CALL_TASK_STATUSES) }, { campaignId });
    if ((result.affected ?? 0) === 1) return true;
    const current = await this.findCallTask(manager, callTaskId);
    return current?.campaignId === campaignId && current.status !== CallTaskStatus.Finished;
  }

  /** Where the next `campaign_detail` read of this call task resumes. */
  async saveDetailCursor(manager: EntityManager, callTaskId: string, cursor: string): Promise<void> {
    await manager.getRepository(CallTaskEntity).update({ id: callTaskId }, { detailCursor: cursor });
  }

  async setRefusals(manager: EntityManager, callTaskId: string, refusals: number): Promise<void> {
    await manager.getRepository(CallTaskEntity).update({ id: callTaskId }, { refusals });
  }

  // --- sync leases (see SyncLeases) --------------------------------------------------------------------------

  /** Syncable tasks whose lease is free or expired, skipping rows another worker's claim holds (SKIP LOCKED). */
  leaseCandidates(manager: EntityManager, limit: number, now: Date, after = '0'): Promise<{ id: string | number }[]> {
    return manager.query(
      `SELECT id FROM ai_visitor_task WHERE id > ? AND status IN (${SYNCABLE.join(', ')}) ` +
        `AND (lease_until IS NULL OR lease_until < ${this.dialect.nowPlus(0)}) AND (sync_after IS NULL OR sync_after <= ?) ` +
        `ORDER BY id LIMIT ${Math.trunc(limit)}${this.dialect.skipLockedClause()}`,
      [after, this.dialect.dateParam(now)],
    );
  }

  /** Records that the task has nothing for the sync before `at` (see TaskEntity.syncAfter); under the task's lock. */
  /** As syncAfter, for several tasks at once (one statement). */
  async syncAfterMany(manager: EntityManager, ids: readonly string[], at: Date | null): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(`UPDATE ai_visitor_task SET sync_after = ? WHERE id IN (${ids.map(() => '?').join(', ')})`, [
      this.dialect.dateParam(at),
      ...ids,
    ]);
  }

  async syncAfter(manager: EntityManager, id: string, at: Date | null): Promise<void> {
    await manager.query('UPDATE ai_visitor_task SET sync_after = ? WHERE id = ?', [this.dialect.dateParam(at), id]);
  }

  /**
   * Finished tasks (a cancelled one, mostly) whose campaign is not finished yet: the sync reads it to its last
   * record before closing it. Ids above `after` and, given `upTo`, not above it: found through the call tasks'
   * (status, task_id) index, in that id range only, so a claim costs the same whatever the number of live tasks;
   * not locked (the claim's conditional update decides who wins).
   */
  finishedStillReading(
    manager: EntityManager,
    limit: number,
    after = '0',
    upTo: string | null = null,
  ): Promise<{ id: string | number }[]> {
    return manager.query(
      `SELECT DISTINCT t.id AS id FROM ai_visitor_call_task ct JOIN ai_visitor_task t ON t.id = ct.task_id ` +
        `WHERE ct.task_id > ?${upTo === null ? '' : ' AND ct.task_id <= ?'} AND ct.status IN (${ACTIVE_CALL_TASK_STATUSES.join(', ')}) ` +
        `AND t.status NOT IN (${SYNCABLE.join(', ')}) ` +
        `AND (t.lease_until IS NULL OR t.lease_until < ${this.dialect.nowPlus(0)}) ORDER BY t.id LIMIT ${Math.trunc(limit)}`,
      upTo === null ? [after] : [after, upTo],
    );
  }

  /** Whether syncable tasks with a free lease exist (seen even when another worker's claim has them locked). */
  async anyLeaseFree(manager: EntityManager, now: Date, after = '0'): Promise<boolean> {
    const [row]: { n: string | number }[] = await manager.query(
      `SELECT COUNT(*) AS n FROM ai_visitor_task WHERE id > ? AND status IN (${SYNCABLE.join(', ')}) ` +
        `AND (lease_until IS NULL OR lease_until < ${this.dialect.nowPlus(0)}) AND (sync_after IS NULL OR sync_after <= ?)`,
      [after, this.dialect.dateParam(now)],
    );
    return Number(row?.n ?? 0) > 0;
  }

  /**
   * Claims the leases of these tasks that are free now, bumping each one's fencing epoch, in one statement (of two
   * racing workers exactly one wins each task: the condition is checked under the row's lock); returns the fences won.
   * `owner` must be unique to the claimer (it tells its rows from others').
   */
  async claimLeases(manager: EntityManager, taskIds: readonly string[], owner: string): Promise<SyncFence[]> {
    if (taskIds.length === 0) return [];
    const ids = [...taskIds].sort((a, b) => Number(a) - Number(b));
    const marks = ids.map(() => '?').join(', ');
    await manager.query(
      `UPDATE ai_visitor_task SET lease_owner = ?, lease_until = ${this.dialect.nowPlus(this.settings.syncLeaseSeconds)}, lease_epoch = lease_epoch + 1
        WHERE id IN (${marks}) AND (lease_until IS NULL OR lease_until < ${this.dialect.nowPlus(0)})`,
      [owner, ...ids],
    );
    // Ours now: the rows whose lease names this claimer, and whose lease is fresh (an older claim by the same
    // owner that expired would name it too, but it is not among the candidates: its lease was not free when read).
    const won: { id: string | number; lease_epoch: string | number }[] = await manager.query(
      `SELECT id, lease_epoch FROM ai_visitor_task WHERE id IN (${marks}) AND lease_owner = ?`,
      [...ids, owner],
    );
    // Read right after the claim that set the lease: that is its last renewal.
    const renewedAt = performance.now();
    return won.map((w) => ({ taskId: String(w.id), epoch: String(w.lease_epoch), renewedAt }));
  }

  /** Gives leases back, each only while it is still its fence's (same epoch), a few hundred per statement. */
  async releaseLeases(manager: EntityManager, fences: readonly SyncFence[]): Promise<void> {
    const sorted = [...fences].sort((a, b) => Number(a.taskId) - Number(b.taskId));
    for (let i = 0; i < sorted.length; i += 300) {
      const chunk = sorted.slice(i, i + 300);
      await manager.query(
        `UPDATE ai_visitor_task SET lease_owner = NULL, lease_until = NULL WHERE ${chunk.map(() => '(id = ? AND lease_epoch = ?)').join(' OR ')}`,
        chunk.flatMap((f) => [f.taskId, f.epoch]),
      );
    }
  }
}

/** Numeric order of two BIGINT ids given as decimal strings. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
