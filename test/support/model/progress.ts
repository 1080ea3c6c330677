import { PROGRESS } from './config';
import { CallTaskRow } from './invariants';
import { as, Model, Real, sleep } from './world';
import { TaskResponse, typed } from '../api-types';

/**
 * The service's push follow-up (issue 20, item 1: "a campaign whose end a push reveals is moved on within seconds
 * after that push"), as the model waits for it: polls each task through the API until its active campaign is no
 * longer the revealed one (closed: the next one opened, the task completed, or no campaign left), or until
 * `deadlineMs` has passed. Returns how long it waited. The model then reads the state again and checks
 * `campaignMovedOn` (invariants.ts, checkMovedOnAfterPush).
 *
 * The hook to wire to the follow-up once the service has it (e.g. wait until the API reports the task's follow-up
 * idle, instead of polling): keep the contract (resolve once the follow-up has had its chance, never throw).
 */
export async function awaitPushFollowUp(
  m: Model,
  r: Real,
  revealed: readonly CallTaskRow[],
  deadlineMs = PROGRESS.pushFollowUpMs,
): Promise<number> {
  const started = Date.now();
  const open = new Map(revealed.map((ct) => [ct.task_id, ct.id]));
  while (open.size > 0) {
    for (const [taskId, callTaskId] of [...open]) {
      const task = m.tasks.find((t) => t.id === taskId);
      if (!task) {
        open.delete(taskId);
        continue;
      }
      const res = typed<TaskResponse>(await r.w.h.http().get(`/v1/tasks/${taskId}`).set(as(m.firms[task.firm])));
      if (res.status === 200 && res.body.activeCampaign?.callTaskId !== callTaskId) open.delete(taskId);
    }
    if (open.size === 0 || Date.now() - started >= deadlineMs) break;
    await sleep(50);
  }
  return Date.now() - started;
}
