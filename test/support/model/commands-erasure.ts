import fc from 'fast-check';
import { PhoneVault } from '@app/core';
import { asAdmin } from '../harness';
import { ModelCommand } from './commands';
import { Snapshot, violated } from './invariants';
import { as, Model, Real, simCampaigns } from './world';

/**
 * A candidate's erasure in the model (issue 22, item 6): operations erase the number of one contact of a task
 * (`POST /v1/admin/firms/:firmId/erasure`), whatever the task's state, the platform's faults or a campaign
 * running. From the erasure's answer on, every later step checks (`checkErasures`, called after each step):
 *  - the number is never dialled by a campaign the platform did not already have at the answer (a call already in
 *    progress on the platform may still happen: the platform cannot take a number out of a campaign);
 *  - no personal field of it (number, name, candidate reference, conversation) appears in any event (those written
 *    before are redacted in place, those after come out erased) or in the task's contact list.
 */

/** An erasure the model made, with what it must never see again. */
interface Erased {
  firmId: number;
  phone: string;
  name: string | null;
  candidateRef: string | null;
  /** Every contact of the firm with that number, by task. */
  contacts: { id: string; taskId: string }[];
  /** The platform's campaigns when the erasure answered: only those may still dial the number. */
  campaignsBefore: Set<string>;
}

const erasures = new WeakMap<Real, Erased[]>();

const show = (value: unknown) => JSON.stringify(value);

/** What the model's erasures forbid, checked against the state read after a step (ModelCommand.run). */
export async function checkErasures(r: Real, s: Snapshot): Promise<void> {
  const done = erasures.get(r);
  if (!done?.length) return;
  for (const e of done) {
    const local = e.phone.replace(/^\+86/, '');
    for (const c of s.campaigns) {
      if (e.campaignsBefore.has(c.campaign_id)) continue;
      if (c.contacts.some((x) => x.phone === e.phone || x.phone === local))
        violated(
          'dialling',
          `campaign ${c.campaign_id} (${c.name}), added after the erasure of ${e.phone}, carries that number`,
        );
    }
  }
  const ids = done.flatMap((e) => e.contacts.map((c) => c.id));
  const rows: { id: string | number; type: string; data: string }[] = await r.w.observer.query(
    `SELECT id, type, data FROM ai_visitor_event WHERE contact_id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  for (const row of rows) {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    const personal = ['candidateRef', 'name', 'phone', 'recordingUrl', 'transcript', 'summary'].filter(
      (f) => data[f] !== null && data[f] !== undefined,
    );
    if (data.erased !== true || personal.length > 0)
      violated(
        'responses',
        `event ${row.id} (${row.type}) of erased contact ${String(data.contactId)} carries ${show(personal)} (erased ${show(data.erased)})`,
      );
  }
  // Nowhere in any event of the erasing firms (batches, not yet rendered, included): the number, the name, the reference.
  for (const e of done) {
    const texts: { id: string | number; data: string }[] = await r.w.observer.query(
      'SELECT id, data FROM ai_visitor_event WHERE firm_id = ?',
      [e.firmId],
    );
    const needles = [e.phone.replace(/^\+/, ''), e.phone.slice(3)];
    if (e.name) needles.push(`"${e.name}"`);
    if (e.candidateRef) needles.push(`"${e.candidateRef}"`);
    for (const t of texts) {
      const found = needles.find((n) => t.data.includes(n));
      if (found) violated('responses', `event ${t.id} carries ${found}, erased (${e.phone.slice(0, 6)}…)`);
    }
  }
}

/** The erasures of this run so far (the final phase checks them once more). */
export function erasuresOf(r: Real): number {
  return erasures.get(r)?.length ?? 0;
}

/**
 * The command class, made on first use: commands.ts (ModelCommand) imports this file for `checkErasures`, so the
 * class that extends ModelCommand is defined once both modules are loaded, not while they load.
 */
let eraseCandidate: (new (taskIx: number, contactIx: number) => ModelCommand) | undefined;

function eraseCandidateClass(): new (taskIx: number, contactIx: number) => ModelCommand {
  class EraseCandidate extends ModelCommand {
    constructor(
      readonly taskIx: number,
      readonly contactIx: number,
    ) {
      super();
    }

    override check(m: Readonly<Model>): boolean {
      return m.tasks.length > 0;
    }

    async act(m: Model, r: Real) {
      const task = m.tasks[this.taskIx % m.tasks.length];
      const firm = m.firms[task.firm];
      const rows: {
        id: string | number;
        phone_enc: string;
        phone_key_id: string;
        name: string | null;
        candidate_ref: string | null;
      }[] = await r.w.observer.query(
        "SELECT id, phone_enc, phone_key_id, name, candidate_ref FROM ai_visitor_list WHERE task_id = ? AND phone_key_id <> '!erased' ORDER BY id",
        [task.id],
      );
      if (rows.length === 0) return { text: `task ${task.id} has no contact left to erase` };
      const row = rows[this.contactIx % rows.length];
      const phone = r.w.h.api.get(PhoneVault).open({ enc: row.phone_enc, keyId: row.phone_key_id });
      const res = await r.w.h
        .http()
        .post(`/v1/admin/firms/${firm.id}/erasure`)
        .set(asAdmin())
        .send({ phones: [phone] });
      if (res.status !== 200) {
        if (res.status === 503 && (res.body as { code?: string })?.code === 'DATABASE_BUSY')
          return { text: '503 DATABASE_BUSY' };
        violated('responses', `erasure answered ${res.status} ${show(res.body)}`);
      }
      const campaignsBefore = new Set((await simCampaigns(r.w)).map((c) => c.campaign_id));
      const body = res.body as { contacts: number; events: number; tasks: { taskId: string }[] };
      if (JSON.stringify(body).includes(phone.slice(3)))
        violated('responses', `the erasure's answer carries the number: ${show(body)}`);
      const contacts: { id: string | number; task_id: string | number }[] = await r.w.observer.query(
        `SELECT c.id, c.task_id FROM ai_visitor_list c JOIN ai_visitor_task t ON t.id = c.task_id
          WHERE t.firm_id = ? AND c.phone_hash = (SELECT phone_hash FROM ai_visitor_list WHERE id = ?)`,
        [firm.id, row.id],
      );
      if (contacts.length !== body.contacts)
        violated('responses', `the erasure answered ${body.contacts} contacts erased, the firm has ${contacts.length}`);
      const list = erasures.get(r) ?? [];
      list.push({
        firmId: firm.id,
        phone,
        name: row.name,
        candidateRef: row.candidate_ref,
        contacts: contacts.map((c) => ({ id: String(c.id), taskId: String(c.task_id) })),
        campaignsBefore,
      });
      erasures.set(r, list);
      // The task's list shows the contact erased, every personal field null.
      const listed = await r.w.h.http().get(`/v1/tasks/${task.id}/contacts`).query({ pageSize: 500 }).set(as(firm));
      const shown = (listed.body as { items: Record<string, unknown>[] }).items.find(
        (c) => String(c.id) === String(row.id),
      );
      if (!shown || shown.erased !== true || shown.name !== null || shown.phone !== null || shown.candidateRef !== null)
        violated('responses', `erased contact ${row.id} is listed as ${show(shown)}`);
      return {
        text: `200: ${body.contacts} contact(s) in ${body.tasks.length} task(s), ${body.events} event(s) redacted (contact ${row.id} of task ${task.id})`,
      };
    }

    toString() {
      return `Erase(task #${this.taskIx}, contact #${this.contactIx})`;
    }
  }
  return EraseCandidate;
}

/** Erase(task, contact): the erasure's entry of commandArbitrary (gated there under the feature `erasure`). */
export function eraseCandidateArbitrary(): fc.Arbitrary<ModelCommand> {
  return fc.tuple(fc.nat({ max: 7 }), fc.nat({ max: 9 })).map(([t, c]) => {
    eraseCandidate ??= eraseCandidateClass();
    return new eraseCandidate(t, c);
  });
}
