import { Inject, Injectable } from '@nestjs/common';
import { currentFence, LeaseLostError } from '../sync-fence';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { SqlDialect } from '@app/database';
import { TaskEntity } from '../entities/task.entity';
import { CallTaskEntity } from '../entities/call-task.entity';
import { ACTIVE_CALL_TASK_STATUSES, CallTaskStatus, TaskStatus } from '../domain/statuses';

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

  /** Compare-and-set: changes the task only while it is still in one of `from`; returns whether it did. */
  async transition(
    manager: EntityManager,
    id: string,
    from: readonly TaskStatus[],
    patch: Partial<TaskEntity>,
  ): Promise<boolean> {
    const result = await manager.getRepository(TaskEntity).update({ id, status: In([...from]) }, patch);
    return (result.affected ?? 0) === 1;
  }

  findActiveCallTask(manager: EntityManager | undefined, taskId: string): Promise<CallTaskEntity | null> {
    const repo = manager ? manager.getRepository(CallTaskEntity) : this.tasks.manager.getRepository(CallTaskEntity);
    return repo.findOne({ where: { taskId, status: In(ACTIVE_CALL_TASK_STATUSES) } });
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
    const result = await manager.getRepository(CallTaskEntity).update({ id, status: In([...from]) }, patch);
    return (result.affected ?? 0) === 1;
  }

}
