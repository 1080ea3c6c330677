import { Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { TaskEntity } from '../entities/task.entity';
import { TaskStatus } from '../domain/statuses';

const STATUS_LABELS: Record<TaskStatus, string> = {
  [TaskStatus.NotStarted]: 'not_started',
  [TaskStatus.Starting]: 'starting',
  [TaskStatus.InProgress]: 'in_progress',
  [TaskStatus.Paused]: 'paused',
  [TaskStatus.Completed]: 'completed',
  [TaskStatus.Cancelled]: 'cancelled',
};

const logger = new Logger('Metrics');

/**
 * The `aiv_tasks{status}` gauge's `collect`: one `GROUP BY status` (index idx_task_status) per scrape.
 * Every status is exported, 0 when no task has it, so series never vanish. A failed query leaves the gauge
 * empty for that scrape rather than failing the whole scrape or repeating stale numbers.
 */
export async function collectTasksByStatus(gauge: Gauge<string>, dataSource: DataSource): Promise<void> {
  gauge.reset();
  if (!dataSource.isInitialized || !dataSource.hasMetadata(TaskEntity)) return;
  try {
    const rows: { status: number | string; n: number | string }[] = await dataSource
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .select('t.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .groupBy('t.status')
      .getRawMany();
    const counts = new Map(rows.map((r) => [Number(r.status), Number(r.n)]));
    for (const [status, label] of Object.entries(STATUS_LABELS)) {
      gauge.set({ status: label }, counts.get(Number(status)) ?? 0);
    }
  } catch (error) {
    logger.warn(`counting tasks by status failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
