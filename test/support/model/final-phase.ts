import { nextShanghai, WEEKDAYS } from './call-windows';
import { PLATFORM } from './config';
import { ApiError, bodyOf, ContactPageResponse, TaskResponse, TaskStatsResponse, typed } from '../api-types';
import { reopenEditedWindows } from './commands-edit';
import {
  checkAfterHealthyPass,
  checkAlways,
  checkCampaignMovedOn,
  checkDeliveries,
  checkDueWork,
  checkResultsComplete,
  checkStoppedWithinOnePass,
  checkWaiting,
  Snapshot,
  snapshot,
  violated,
} from './invariants';
import {
  as,
  edgePass,
  errorsSince,
  grant,
  Model,
  note,
  pass,
  Real,
  relayRounds,
  setFaults,
  simCampaigns,
  sleep,
} from './world';

/** Passes the final phase may run before a task that should finish counts as stuck (per clock jump). */
const PASSES_PER_DAY = 25;
/** Days the final phase may move the clock on (retry gaps and "inconvenient now" callbacks wait for a later day). */
const DAYS = 6;

/** Runs one healthy edge check and sync pass and checks every invariant after them, the progress ones against the state before. */
async function healthyPass(m: Model, r: Real): Promise<{ s: Snapshot; stored: number }> {
  const before = r.last ?? (await snapshot(m, r));
  const startedAt = r.w.clock.now();
  const realStart = Date.now();
  // The worker's two crons: the one-minute edge check, then the sync.
  await edgePass(r.w);
  const summary = await pass(r.w);
  if (summary.failed > 0)
    violated(
      'passClean',
      `final phase: a pass on a healthy platform failed ${summary.failed} task(s)${errorsSince(r.w, realStart)}`,
    );
  const s = await snapshot(m, r);
  r.last = s;
  checkAlways(m, s);
  checkStoppedWithinOnePass(m, before, s);
  checkDueWork(m, before, s, startedAt);
  checkCampaignMovedOn(before, s, 'sync pass', startedAt);
  checkAfterHealthyPass(m, s, startedAt);
  return { s, stored: summary.recordsStored };
}

/**
 * The relay with a healthy receiver, until no delivery of the model's endpoint is pending: each round sends a
 * task's next event (per-task order), so a run's deliveries take as many rounds as its busiest task has events. `deliveryDue` and
 * `deliveryHorizon` after each; a pending count that stops falling with nothing left to try breaks `deliveryDue`.
 */
async function drainDeliveries(m: Model, r: Real): Promise<void> {
  r.w.receiver.options = {};
  m.receiver = 'healthy';
  let s = r.last ?? (await snapshot(m, r));
  // A task's events go one a round (per-task order), and a task of the model may have a few hundred: the bound is
  // generous, and a relay that stops making progress still ends the loop (nothing claimed, nothing waiting).
  for (let round = 0; round < 5_000 && s.deliveries.length > 0; round++) {
    const startedAt = r.w.clock.now();
    const summaries = await relayRounds(r.w);
    const after = await snapshot(m, r);
    checkDeliveries(s, after, startedAt);
    s = after;
    r.last = s;
    if (summaries.every((x) => x.claimed === 0)) {
      // Nothing claimed: either every pending delivery waits for its backoff (move the clock to the latest), or
      // some can never be claimed (then nothing changes and the check below fails).
      const waits = s.deliveries.map((d) => d.next_attempt_at).filter((at) => at > r.w.clock.now().getTime());
      if (waits.length === 0) break;
      r.w.clock.set(new Date(Math.max(...waits) + 1000));
    }
  }
  note(r, `final phase D: ${s.deliveries.length} deliveries pending after the relay drained`);
  if (s.deliveries.length > 0 && s.endpointEnabled) {
    violated(
      'deliveryDue',
      `final phase: with a healthy receiver the relay leaves ${s.deliveries.length} deliveries pending for ever: ${show(s.deliveries.slice(0, 5))}`,
    );
  }
}

/** No call of the run in flight on the platform: what it made so far is all it will make until something starts. */
async function platformQuiet(m: Model, r: Real, s: Snapshot, taskIds: Set<string>): Promise<boolean> {
  const ctByRequest = new Map(s.callTasks.map((ct) => [ct.request_id, ct]));
  const mine = new Set(
    s.campaigns.filter((c) => taskIds.has(ctByRequest.get(c.request_id)?.task_id ?? '')).map((c) => c.campaign_id),
  );
  return (await simCampaigns(r.w)).every(
    (c) =>
      !mine.has(c.campaign_id) || (c.in_flight_count === 0 && !(c.status === 1 && c.dialled_count < c.contact_count)),
  );
}

/**
 * The final, quiescent phase of every run: the platform healthy (faults and refusals off; never-dialled numbers
 * and oversized values stay, they are data), the clock on a weekday morning (every window open), every BOT open.
 *  A. Passes until the campaigns of paused, completed and cancelled tasks are quiet, then: every record their
 *     campaigns made is stored and on its contact, in the statistics and in the export (invariant 1 in full).
 *  B. The recruiter resumes every paused task; every started task must then reach 5 or 6 within a bounded number
 *     of passes (invariant 6), the clock moving a day on when only retry gaps or callbacks are left to wait for.
 *  C. Invariant 1 in full for every task.
 *  D. The relay, with a healthy receiver, leaves no delivery pending (`deliveryDue`, `deliveryHorizon`).
 * Every pass here also checks the progress invariants (`dueWork`, `stoppedWithinOnePass`, `campaignMovedOn`).
 */
export async function finalPhase(m: Model, r: Real): Promise<void> {
  const w = r.w;
  await setFaults(w, null);
  w.proxy.refuse = false;
  // Pushes held back arrive now (late); the network stops losing them.
  w.pushProxy.faults = null;
  m.pushFaults = null;
  await w.pushProxy.release('in-order');
  const wasFaulty = m.faults !== null || Date.now() < m.healthyFrom;
  m.faults = null;
  m.refuse = false;
  if (wasFaulty) await sleep(Math.max(...PLATFORM.hangsMs) + PLATFORM.breakerResetMs + 150);
  m.healthyFrom = Date.now();
  w.clock.set(nextShanghai(w.clock.now(), 10, 0, WEEKDAYS));
  for (const firm of m.firms) {
    firm.bot = { kind: 'open' };
    if ((await grant(w, firm, firm.bot)) !== 200) throw new Error(`could not reopen the BOT of firm ${firm.id}`);
  }
  note(r, `final phase: platform healthy, BOTs open, clock ${w.clock.now().toISOString()}`);
  if (m.tasks.length === 0) return;
  // Issue 22: a window an edit left closed at this morning is edited open again by its recruiter.
  await reopenEditedWindows(m, r);

  // A. paused, completed and cancelled tasks: everything their campaigns made reaches their contacts
  let s = (await healthyPass(m, r)).s;
  for (let i = 0; i < PASSES_PER_DAY; i++) {
    const resting = new Set([...s.views].filter(([, v]) => [4, 5, 6].includes(v.status)).map(([id]) => id));
    if (await platformQuiet(m, r, s, resting)) break;
    await sleep(PLATFORM.callMs * 2);
    s = (await healthyPass(m, r)).s;
  }
  s = (await healthyPass(m, r)).s;
  const resting = [...s.views].filter(([, v]) => [4, 5, 6].includes(v.status)).map(([id]) => id);
  note(
    r,
    `final phase A: tasks ${show(Object.fromEntries([...s.views].map(([id, v]) => [id, `${v.status}${v.pauseReason ? `/${v.pauseReason}` : ''}`])))}`,
  );
  await checkResultsComplete(
    m,
    r,
    s,
    resting,
    'final phase A (paused, completed and cancelled tasks, before any resume)',
  );

  // B. the recruiter resumes what is paused; every started task must finish
  for (const task of m.tasks) {
    const v = s.views.get(task.id)!;
    if (v.status !== 4) continue;
    const res = typed<Partial<TaskResponse & ApiError> | undefined>(
      await w.h.http().post(`/v1/tasks/${task.id}/start`).set(as(m.firms[task.firm])),
    );
    note(
      r,
      `final phase B: start task ${task.id} (was 4/${v.pauseReason}) → ${res.status}${res.body?.code ? ` ${res.body.code}` : ` ${res.body?.status}`}`,
    );
    if (!(res.status === 200 || (res.status === 409 && res.body?.code === 'NO_CONTACTS_WAITING'))) {
      violated(
        'responses',
        `final phase: the recruiter's start of paused task ${task.id} (${v.pauseReason}) on a healthy platform answered ${res.status} ${show(res.body)}`,
      );
    }
  }
  const started = m.tasks.filter((t) => s.views.get(t.id)!.status !== 1).map((t) => t.id);
  const phaseB = Date.now();
  let passes = 0;
  let finished = false;
  for (let day = 0; day < DAYS && !finished; day++) {
    let idle = 0;
    for (let i = 0; i < PASSES_PER_DAY; i++) {
      const { s: now, stored } = await healthyPass(m, r);
      s = now;
      passes++;
      if (started.every((id) => [5, 6].includes(s.views.get(id)!.status))) {
        finished = true;
        break;
      }
      const quiet = await platformQuiet(m, r, s, new Set(started));
      idle = stored === 0 && quiet ? idle + 1 : 0;
      if (idle >= 3) break; // nothing more happens today: only retry gaps or callbacks are left
      await sleep(PLATFORM.callMs * 2);
    }
    if (!finished) {
      w.clock.set(nextShanghai(w.clock.now(), 10, 0, WEEKDAYS));
      note(r, `final phase B: tasks still open after ${passes} passes, clock → ${w.clock.now().toISOString()}`);
    }
  }
  if (!finished) {
    const open = started.filter((id) => ![5, 6].includes(s.views.get(id)!.status));
    const details = [];
    for (const id of open) {
      const v = s.views.get(id)!;
      const firm = m.firms[m.tasks.find((t) => t.id === id)!.firm];
      const stats = bodyOf<TaskStatsResponse>(await w.h.http().get(`/v1/tasks/${id}/stats`).set(as(firm)));
      const contacts = bodyOf<ContactPageResponse>(
        await w.h.http().get(`/v1/tasks/${id}/contacts`).query({ pageSize: 50 }).set(as(firm)),
      ).items;
      const remote = s.campaigns.find((c) => c.campaign_id === v.activeCampaign?.campaignId);
      const row = s.taskRows.find((t) => t.id === id);
      details.push(
        `task ${id}: ${show({ status: v.status, pauseReason: v.pauseReason, waitingFor: v.waitingFor, nextActionAt: v.nextActionAt, lastError: v.lastError, activeCampaign: v.activeCampaign, syncAfter: row?.sync_after })}, on the platform ${show(remote && { status: remote.status, dialled: remote.dialled_count, contacts: remote.contact_count, inFlight: remote.in_flight_count, records: remote.records.map((x) => `${x.record_id} ${x.ref}`) })}, stats ${show({ waiting: stats.waiting, inCampaign: stats.inCampaign, done: stats.done, skipped: stats.skipped, attempts: stats.attempts })}, contacts ${show(contacts.filter((c) => [1, 2].includes(c.status)).map((c) => ({ id: c.id, status: c.status, attempts: c.attempts, failReason: c.failReason, nextAttemptAt: c.nextAttemptAt })))}`,
      );
    }
    violated(
      'liveness',
      `with the window open, the BOT open and the platform healthy, ${open.length} started task(s) did not reach 5 or 6 in ${passes} passes over ${DAYS} days: ${details.join('; ')}${errorsSince(w, phaseB)}`,
    );
  }
  note(r, `final phase B: every started task finished after ${passes} passes`);

  // C. everything the platform made is stored, on its contact, in the statistics and in the export
  for (let i = 0; i < PASSES_PER_DAY && !(await platformQuiet(m, r, s, new Set(m.tasks.map((t) => t.id)))); i++) {
    await sleep(PLATFORM.callMs * 2);
    s = (await healthyPass(m, r)).s;
  }
  s = (await healthyPass(m, r)).s;
  for (const [id, v] of s.views) checkWaiting(id, v);
  await checkResultsComplete(
    m,
    r,
    s,
    m.tasks.map((t) => t.id),
    'final phase C (every task)',
  );

  // D. every event reaches the webhook endpoint: no delivery stays pending
  await drainDeliveries(m, r);
}

const show = (value: unknown) => JSON.stringify(value);
