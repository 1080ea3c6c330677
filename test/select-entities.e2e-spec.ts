import { DataSource } from 'typeorm';
import { selectEntities } from '@app/database';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';

const FIRM = 7931;

type Row = Record<string, unknown>;

/**
 * `selectEntities` (libs/database) reads entities by one raw statement for the push's hot reads (the tasks it locks,
 * the contacts its records name): what it hands back must be what TypeORM's find() hands back for the same rows,
 * value for value and class for class (bigint ids as strings, dates as Dates, nullable columns null, booleans and
 * tinyints as find converts them), on both databases, or the ingest would see a task or contact find() would not.
 */
describe('entities read by selectEntities', () => {
  let h: Harness;
  let db: DataSource;
  let taskIds: string[];
  // The task lib's entities, found by their tables (the lib keeps them to itself).
  let TaskEntity: new () => Row;
  let ContactEntity: new () => Row;

  beforeAll(async () => {
    h = await startHarness();
    db = h.api.get(DataSource);
    const entity = (table: string) => db.entityMetadatas.find((m) => m.tableName === table)!.target as new () => Row;
    TaskEntity = entity('ai_visitor_task');
    ContactEntity = entity('ai_visitor_list');
    await grantBot(h, FIRM);
    // One task started (a campaign, contacts with a call task, dates set) and one not, with a schedule.
    const started = await createTask(h, FIRM, 1, { contacts: contacts(5, 100), batchSize: 3 });
    await h.http().post(`/v1/tasks/${started}/start`).set(asAccount(FIRM, 1)).expect(200);
    const scheduled = await createTask(h, FIRM, 1, {
      contacts: contacts(2, 200),
      startAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    taskIds = [started, scheduled];
  });

  afterAll(async () => {
    await h?.close();
  });

  it('hands back the tasks find() hands back', async () => {
    const marks = taskIds.map(() => '?').join(', ');
    const raw = await selectEntities(db.manager, TaskEntity, `WHERE id IN (${marks}) ORDER BY id`, taskIds);
    const found = await db.manager.find(TaskEntity, { where: taskIds.map((id) => ({ id })), order: { id: 'ASC' } });
    expect(raw).toHaveLength(2);
    expect(raw.every((t) => t instanceof TaskEntity)).toBe(true);
    expect(raw).toEqual(found);
    expect(raw[1].startAt).toBeInstanceOf(Date);
  });

  it('hands back the contacts find() hands back, and only the properties asked for (with the key)', async () => {
    const raw = await selectEntities(db.manager, ContactEntity, 'WHERE task_id = ? ORDER BY id', [taskIds[0]]);
    const found = await db.manager.find(ContactEntity, { where: { taskId: taskIds[0] }, order: { id: 'ASC' } });
    expect(raw).toHaveLength(5);
    expect(raw).toEqual(found);
    expect(raw.filter((c) => c.callTaskId !== null)).toHaveLength(3); // the first campaign's batch

    const some = await selectEntities(
      db.manager,
      ContactEntity,
      'WHERE task_id = ? ORDER BY id',
      [taskIds[0]],
      ['status', 'attempts'],
    );
    const picked = await db.manager.find(ContactEntity, {
      select: { id: true, status: true, attempts: true },
      where: { taskId: taskIds[0] },
      order: { id: 'ASC' },
    });
    expect(some).toEqual(picked);
    expect(Object.keys(some[0]).sort()).toEqual(['attempts', 'id', 'status']);
  });

  it('refuses a property the entity has no column for', async () => {
    await expect(selectEntities(db.manager, TaskEntity, 'WHERE id = ?', [taskIds[0]], ['nope'])).rejects.toThrow(
      'TaskEntity has no column for nope',
    );
  });
});
