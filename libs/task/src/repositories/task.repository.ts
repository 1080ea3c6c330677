import { Inject, Injectable } from '@nestjs/common';
import { currentFence, LeaseLostError } from '../sync-fence';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Not, Repository } from 'typeorm';
import { SqlDialect } from '@app/database';
import { TaskEntity } from '../entities/task.entity';
import { CallTaskEntity } from '../entities/call-task.entity';
import { ACTIVE_CALL_TASK_STATUSES, CallTaskStatus, PauseReason, TaskStatus } from '../domain/statuses';
import { assertCallTaskMoves, assertTaskMoves } from '../domain/transitions';

export interface TaskListQuery {
  firmId: string;
  accountId: string;
  status?: TaskStatus;
  page: number;
  pageSize: number;
}

/** The task aggregate: a task row and its call tasks (remote campaigns). */
@Injectable()
export class TaskRepository {
  constructor(
    @InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>,
    private readonly dialect: SqlDialect,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  private taskRepo(manager?: EntityManager): Repository<TaskEntity> {
    return manager ? manager.getRepository(TaskEntity) : this.tasks;
  }

  async insert(manager: EntityManager, task: Partial<TaskEntity>): Promise<string> {
    const result = await manager.getRepository(TaskEntity).insert(task);
    return String(result.identifiers[0].id);
  }

  findById(id: string, manager?: EntityManager): Promise<TaskEntity | null> {
    return this.taskRepo(manager).findOne({ where: { id } });
  }

  /**
   * Serialises every state change of one task: start, pause, cancel and sync all take this lock first.
   * Inside a fenced sync (runFenced) it is also the fencing check, under the lock, and renews the lease.
   */
  async lock(manager: EntityManager, id: string): Promise<TaskEntity | null> {
    const task = await this.dialect.lockOne(manager, TaskEntity, id);
    const fence = currentFence();
    if (task && fence && String(fence.taskId) === String(id)) {
      if (String(task.leaseEpoch) !== String(fence.epoch)) throw new LeaseLostError(String(id));
      await manager
        .createQueryBuilder()
        .update(TaskEntity)
        .set({ leaseUntil: () => this.dialect.nowPlus(this.settings.syncLeaseSeconds) })
        .where('id = :id', { id })
        .execute();
    }
    return task;
  }

  async list(query: TaskListQuery): Promise<{ items: TaskEntity[]; total: number }> {
    const [items, total] = await this.tasks.findAndCount({
      where: { firmId: query.firmId, accountId: query.accountId, ...(query.status ? { status: query.status } : {}) },
      order: { id: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { items, total };
  }

  /**
   * Compare-and-set: changes the task only while it is still in one of `from`; returns whether it did. Every
   * status move it could make is checked against the transition table first (IllegalTransitionError).
   */
  async transition(
    manager: EntityManager,
    id: string,
    from: readonly TaskStatus[],
    patch: Partial<TaskEntity>,
  ): Promise<boolean> {
    assertTaskMoves(from, patch.status);
    const result = await manager.getRepository(TaskEntity).update({ id, status: In([...from]) }, patch);
    return (result.affected ?? 0) === 1;
  }

  findActiveCallTask(manager: EntityManager | undefined, taskId: string): Promise<CallTaskEntity | null> {
    const repo = manager ? manager.getRepository(CallTaskEntity) : this.tasks.manager.getRepository(CallTaskEntity);
    return repo.findOne({ where: { taskId, status: In(ACTIVE_CALL_TASK_STATUSES) } });
  }

  /** The active call task of each of these tasks, by task id (one query). */
  async findActiveCallTasks(taskIds: readonly string[]): Promise<Map<string, CallTaskEntity>> {
    if (taskIds.length === 0) return new Map();
    const rows = await this.tasks.manager
      .getRepository(CallTaskEntity)
      .find({ where: { taskId: In([...taskIds]), status: In(ACTIVE_CALL_TASK_STATUSES) } });
    return new Map(rows.map((r) => [String(r.taskId), r]));
  }

  /** Tasks a call-window or BOT edge may change: running ones, and those the window paused (window columns only). */
  edgeCandidates(): Promise<Pick<TaskEntity, 'id' | 'firmId' | 'status' | 'pauseReason' | 'windowStart' | 'windowEnd' | 'windowDays' | 'windowTz'>[]> {
    return this.tasks.find({
      select: { id: true, firmId: true, status: true, pauseReason: true, windowStart: true, windowEnd: true, windowDays: true, windowTz: true },
      where: [
        { status: In([TaskStatus.Starting, TaskStatus.InProgress]) },
        { status: TaskStatus.Paused, pauseReason: PauseReason.OutsideWindow },
      ],
    });
  }

  findCallTaskByCampaign(campaignId: string): Promise<CallTaskEntity | null> {
    return this.tasks.manager.getRepository(CallTaskEntity).findOne({ where: { campaignId } });
  }

  findCallTask(id: string, manager?: EntityManager): Promise<CallTaskEntity | null> {
    const repo = manager ? manager.getRepository(CallTaskEntity) : this.tasks.manager.getRepository(CallTaskEntity);
    return repo.findOne({ where: { id } });
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

  async insertCallTask(manager: EntityManager, callTask: Partial<CallTaskEntity>): Promise<string> {
    const result = await manager.getRepository(CallTaskEntity).insert(callTask);
    return String(result.identifiers[0].id);
  }

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
   * Whether the platform created a campaign for the task. A campaign is started only once its id is recorded,
   * so without one nobody can have been dialled (then a cancel gives the quota slot back), whatever
   * `startedAt` says (a lost start reply leaves it null although calls were made).
   */
  async hasRemoteCampaigns(manager: EntityManager, taskId: string): Promise<boolean> {
    return (await manager.getRepository(CallTaskEntity).count({ where: { taskId, campaignId: Not(IsNull()) } })) > 0;
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
    const current = await this.findCallTask(callTaskId, manager);
    return current?.campaignId === campaignId && current.status !== CallTaskStatus.Finished;
  }

  async setRefusals(manager: EntityManager, callTaskId: string, refusals: number): Promise<void> {
    await manager.getRepository(CallTaskEntity).update({ id: callTaskId }, { refusals });
  }

  async setLastError(manager: EntityManager, taskId: string, lastError: string | null): Promise<void> {
    await manager.getRepository(TaskEntity).update({ id: taskId }, { lastError: lastError === null ? null : lastError.slice(0, 255) });
  }
}
