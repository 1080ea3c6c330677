import { TransactionRunner } from '@app/database';
import { TaskRepository } from '../repositories/task.repository';
import { NotTaskOwnerError, TaskNotFoundError } from '../errors/task-errors';
import { AuthorizeTaskAccess } from './authorize-task-access.usecase';

describe('AuthorizeTaskAccess', () => {
  const OWNER = { firmId: '7', accountId: '1' };
  let owners: Map<string, { firmId: string; accountId: string }>;
  let ownerOf: jest.Mock;
  let sut: AuthorizeTaskAccess;

  beforeEach(() => {
    owners = new Map();
    ownerOf = jest.fn((_manager: unknown, id: string) => Promise.resolve(owners.get(id) ?? null));
    sut = new AuthorizeTaskAccess({ autocommit: {} } as TransactionRunner, { ownerOf } as unknown as TaskRepository);
  });

  it("grants the task's owner access, reading the owner once per task", async () => {
    owners.set('42', { firmId: '7', accountId: '1' });
    for (let i = 0; i < 3; i++)
      await expect(sut.execute({ caller: OWNER, taskId: '42' })).resolves.toMatchObject({
        taskId: '42',
        caller: OWNER,
      });
    expect(ownerOf).toHaveBeenCalledTimes(1);
  });

  it('refuses from the remembered owner as from the database: a colleague NOT_TASK_OWNER, another firm TASK_NOT_FOUND', async () => {
    owners.set('42', { firmId: '7', accountId: '1' });
    await sut.execute({ caller: OWNER, taskId: '42' });
    await expect(sut.execute({ caller: { firmId: '7', accountId: '2' }, taskId: '42' })).rejects.toThrow(
      NotTaskOwnerError,
    );
    await expect(sut.execute({ caller: { firmId: '8', accountId: '1' }, taskId: '42' })).rejects.toThrow(
      TaskNotFoundError,
    );
    expect(ownerOf).toHaveBeenCalledTimes(1);
  });

  it('never remembers a task not found: it may be created next', async () => {
    await expect(sut.execute({ caller: OWNER, taskId: '43' })).rejects.toThrow(TaskNotFoundError);
    owners.set('43', { firmId: '7', accountId: '1' });
    await expect(sut.execute({ caller: OWNER, taskId: '43' })).resolves.toMatchObject({ taskId: '43' });
    expect(ownerOf).toHaveBeenCalledTimes(2);
  });

  it('compares ids as strings, whatever type the driver read them as', async () => {
    ownerOf.mockResolvedValueOnce({ firmId: 7, accountId: 1 });
    await expect(sut.execute({ caller: OWNER, taskId: '44' })).resolves.toMatchObject({ taskId: '44' });
  });

  it('remembers at most REMEMBERED tasks, forgetting the least recently used', async () => {
    const SIZE = AuthorizeTaskAccess.REMEMBERED;
    for (let id = 1; id <= SIZE + 1; id++) owners.set(String(id), OWNER);
    await sut.execute({ caller: OWNER, taskId: '1' });
    for (let id = 2; id <= SIZE; id++) await sut.execute({ caller: OWNER, taskId: String(id) });
    await sut.execute({ caller: OWNER, taskId: '1' }); // used again: now the most recent
    await sut.execute({ caller: OWNER, taskId: String(SIZE + 1) }); // one over: task 2 is forgotten, not task 1
    ownerOf.mockClear();

    await sut.execute({ caller: OWNER, taskId: '1' });
    expect(ownerOf).not.toHaveBeenCalled();
    await sut.execute({ caller: OWNER, taskId: '2' });
    expect(ownerOf).toHaveBeenCalledTimes(1);
  });
});
