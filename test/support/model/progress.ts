import { PROGRESS } from './config';
import { CallTaskRow, violated } from './invariants';
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

/**
 * Progress invariant `pushAnswered` (after every step in which the database stayed up; docs/architecture.md,
 * "Progress bounds": a push waits for the transaction running in its lane, then its own): every push the platform
 * sent and the network delivered on time (push-proxy.ts, not the late ones a fault released) is answered, and
 * within PROGRESS.pushAnswerMs, the platform's push timeout; a push still unanswered at the end of the step has not
 * waited longer than that. Pushes sent before the database's last cut are left out (an outage answers them late or
 * not at all, and the platform retries them). Which status is not asked here: `responses` and the safety checks
 * hold the outcome (every record stored once).
 */
export function checkPushesAnswered(r: Real): void {
  const from = r.pushesHeldFrom ?? 0;
  const answers = r.w.pushProxy.takeAnswers().filter((a) => a.sentAt >= from);
  const late = answers.filter((a) => a.ms > PROGRESS.pushAnswerMs || a.status === 0);
  if (late.length > 0) {
    violated(
      'pushAnswered',
      `${late.length} of ${answers.length} push(es) not answered within ${PROGRESS.pushAnswerMs} ms: ${late
        .slice(0, 5)
        .map((a) => `${a.status === 0 ? 'no answer' : a.status} after ${Math.round(a.ms)} ms`)
        .join(', ')}`,
    );
  }
  const waiting = r.w.pushProxy.oldestUnanswered();
  if (waiting > PROGRESS.pushAnswerMs) {
    violated(
      'pushAnswered',
      `a push has waited ${Math.round(waiting)} ms for its answer (bound ${PROGRESS.pushAnswerMs} ms)`,
    );
  }
}
