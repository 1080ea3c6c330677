import { ApiProperty } from '@nestjs/swagger';
import {
  CALL_TASK_TRANSITIONS,
  CallResult,
  CallView,
  ContactCallsView,
  CallTaskStatus,
  ContactStatus,
  ContactView,
  CreateTaskResult,
  FollowUpSkippedContact,
  FollowUpTaskResult,
  IntakeReport,
  Intention,
  Page,
  PauseReason,
  TASK_TRANSITIONS,
  RejectedContact,
  SkippedContact,
  TaskStatus,
  TaskView,
  WAITING_FOR_VALUES,
  WaitingFor,
  SkipReason,
  WithdrawContactsResult,
  WithdrawnContact,
  NotFoundContact,
} from '@app/task';
import { TaskStats } from '@app/stats';
import {
  CALL_RESULT_MEANINGS,
  CALL_RESULTS,
  CALL_TASK_STATUS_MEANINGS,
  CALL_TASK_STATUSES,
  CONTACT_STATUS_MEANINGS,
  CONTACT_STATUSES,
  INTENTION_MEANINGS,
  INTENTIONS,
  TASK_STATUS_MEANINGS,
  TASK_STATUSES,
} from './status-words';

/**
 * The shapes the task routes answer with, for the OpenAPI document. Each mirrors a view of the libs
 * (`implements` keeps them in step at compile time); the use cases still build the plain views.
 */

/** "1 → 2, 3, 4, 6; …": the transition table itself, so the document cannot drift from the code. */
const moves = (table: Readonly<Record<number, readonly number[]>>) =>
  Object.entries(table)
    .map(([from, to]) => `${from} → ${to.length ? to.join(', ') : 'final'}`)
    .join('; ');
const TASK_STATUS = `Task status: ${TASK_STATUS_MEANINGS}. Allowed moves: ${moves(TASK_TRANSITIONS)}.`;
const CALL_TASK_STATUS = `Campaign (call task) status: ${CALL_TASK_STATUS_MEANINGS}. Allowed moves: ${moves(CALL_TASK_TRANSITIONS)}.`;
const CONTACT_STATUS = `Contact status: ${CONTACT_STATUS_MEANINGS}`;
const CALL_RESULT = `Call result: ${CALL_RESULT_MEANINGS}`;
const INTENTION = `Intention: ${INTENTION_MEANINGS}`;
const DATE_TIME = {
  type: String,
  format: 'date-time',
  description: 'ISO 8601, UTC',
  example: '2026-11-28T02:03:04.000Z',
} as const;

export class ActiveCampaignResponse {
  @ApiProperty({ description: 'Local call task id', example: '7' })
  callTaskId: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Remote campaign id; null until the platform confirmed it',
    example: 'cmp_000001',
  })
  campaignId: string | null;

  @ApiProperty({ enum: CALL_TASK_STATUSES, description: CALL_TASK_STATUS, example: CallTaskStatus.InProgress })
  status: CallTaskStatus;

  @ApiProperty({ example: 200 })
  contactCount: number;
}

export class CallWindowResponse {
  @ApiProperty({ description: "Daily start, 'HH:MM' (inclusive)", example: '09:00' })
  start: string;

  @ApiProperty({ description: "Daily end, 'HH:MM' (exclusive; after start)", example: '20:00' })
  end: string;

  @ApiProperty({ type: [Number], description: 'ISO weekdays: 1 Monday … 7 Sunday', example: [1, 2, 3, 4, 5] })
  days: number[];

  @ApiProperty({ description: 'IANA time zone', example: 'Asia/Shanghai' })
  timeZone: string;
}

export class TaskResponse implements TaskView {
  @ApiProperty({ example: '42' })
  id: string;

  @ApiProperty({ example: '1' })
  firmId: string;

  @ApiProperty({ example: '42' })
  accountId: string;

  @ApiProperty({ example: 'Java 架构师' })
  name: string;

  @ApiProperty({ example: 'recruit-v1' })
  scriptId: string;

  @ApiProperty({ enum: TASK_STATUSES, description: TASK_STATUS, example: TaskStatus.InProgress })
  status: TaskStatus;

  @ApiProperty({
    type: String,
    nullable: true,
    enum: Object.values(PauseReason),
    description: 'Why a paused task is paused',
  })
  pauseReason: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    enum: WAITING_FOR_VALUES,
    description:
      'What a task that is not finished and has no campaign running waits for: `call_window` (window closed), ' +
      '`retry_gap` / `callback` (every contact left waits for its retry gap or its "inconvenient" callback), ' +
      '`platform` (a campaign not yet confirmed by the robot-call platform; the worker retries), `worker` (the ' +
      "worker's next pass opens the next campaign or completes the task), `bot` (the firm's BOT is closed or " +
      'expired; also a scheduled task whose time came while it was), `recruiter` (paused by the recruiter or refused ' +
      'by the platform: only a start resumes it), `scheduled` (a task not started with a start time: `nextActionAt`; ' +
      "once it has come the worker's minute check starts it, `worker`). " +
      'Null while a campaign runs, and for tasks not started or finished.',
    example: 'retry_gap',
  })
  waitingFor: WaitingFor | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the wait ends by itself (UTC): the window opening, the earliest retry or callback, the scheduled start; null for other waits',
    example: '2026-12-01T01:00:00.000Z',
  })
  nextActionAt: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "The robot-call platform's last refusal or failure while starting the task (see `pauseReason: platform_rejected`)",
    example: null,
  })
  lastError: string | null;

  @ApiProperty({ description: 'Contacts per campaign', example: 200 })
  batchSize: number;

  @ApiProperty({ description: 'Calls per contact at most', example: 2 })
  maxAttempts: number;

  @ApiProperty({ description: 'Minutes before a failed contact is called again', example: 60 })
  retryGapMinutes: number;

  @ApiProperty({ type: CallWindowResponse, description: 'When the task may call; nobody is called outside it' })
  callWindow: CallWindowResponse;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the task is scheduled to start (UTC; `POST /tasks/:id/start { at }` or `startAt` on create); null when not ' +
      'scheduled. A task the schedule started keeps it; a plain start of a scheduled task clears it',
    example: null,
  })
  startAt: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The task this one was made from by a follow-up (`POST /tasks/:id/follow-up`); null otherwise',
    example: null,
  })
  sourceTaskId: string | null;

  @ApiProperty({
    type: ActiveCampaignResponse,
    nullable: true,
    description: 'The campaign now open (new, in progress or paused), if any',
  })
  activeCampaign: ActiveCampaignResponse | null;

  @ApiProperty({ ...DATE_TIME, nullable: true })
  startedAt: string | null;

  @ApiProperty({ ...DATE_TIME, nullable: true })
  finishedAt: string | null;

  @ApiProperty(DATE_TIME)
  createdAt: string;

  @ApiProperty(DATE_TIME)
  updatedAt: string;
}

export class RejectedContactResponse implements RejectedContact {
  @ApiProperty({ description: 'Index of the contact in the request', example: 3 })
  index: number;

  @ApiProperty({ description: 'The number, masked', example: '138****8000' })
  phone: string;

  @ApiProperty({ type: String, nullable: true, example: 'cand-3' })
  candidateRef: string | null;

  @ApiProperty({ enum: ['empty', 'invalid', 'not_mobile', 'duplicate_in_request', 'already_in_task'] })
  reason: RejectedContact['reason'];
}

export class SkippedContactResponse implements SkippedContact {
  @ApiProperty({ description: 'Index of the contact in the request', example: 4 })
  index: number;

  @ApiProperty({ description: 'The number, masked', example: '138****8001' })
  phone: string;

  @ApiProperty({ type: String, nullable: true, example: 'cand-4' })
  candidateRef: string | null;

  @ApiProperty({ enum: ['do_not_call', 'invalid', 'cooling'], description: 'Why the firm must not call it now' })
  reason: string;
}

export class AddContactsResponse implements IntakeReport {
  @ApiProperty({ description: 'Contacts stored and waiting to be called', example: 9 })
  added: number;

  @ApiProperty({
    type: [SkippedContactResponse],
    description: 'Contacts stored but not to be called (status 4), with the reason',
  })
  skipped: SkippedContactResponse[];

  @ApiProperty({
    type: [RejectedContactResponse],
    description: 'Contacts refused, not stored: invalid or duplicate numbers',
  })
  rejected: RejectedContactResponse[];
}

export class CreateTaskResponse implements CreateTaskResult {
  @ApiProperty({ type: TaskResponse })
  task: TaskResponse;

  @ApiProperty({ type: AddContactsResponse })
  contacts: AddContactsResponse;
}

export class FollowUpSkippedResponse implements FollowUpSkippedContact {
  @ApiProperty({ description: 'The contact of the source task it was copied from', example: '1004' })
  sourceContactId: string;

  @ApiProperty({ description: 'The number, masked', example: '+86138****8001' })
  phone: string;

  @ApiProperty({ type: String, nullable: true, example: 'cand-4' })
  candidateRef: string | null;

  @ApiProperty({ enum: ['do_not_call', 'invalid', 'cooling'], description: 'Why the firm must not call it now' })
  reason: string;
}

export class FollowUpContactsResponse {
  @ApiProperty({ description: 'Contacts copied and waiting to be called', example: 12 })
  added: number;

  @ApiProperty({
    type: [FollowUpSkippedResponse],
    description: 'Contacts copied but not to be called (status 4), with the reason',
  })
  skipped: FollowUpSkippedResponse[];
}

export class FollowUpTaskResponse implements FollowUpTaskResult {
  @ApiProperty({ type: TaskResponse, description: 'The new task (not started; `sourceTaskId` is the source)' })
  task: TaskResponse;

  @ApiProperty({ type: FollowUpContactsResponse })
  contacts: FollowUpContactsResponse;
}

/** The paging fields every list response shares. */
export class PageResponse {
  @ApiProperty({ example: 1 })
  total: number;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 50 })
  pageSize: number;
}

export class TaskPageResponse extends PageResponse implements Page<TaskView> {
  @ApiProperty({ type: [TaskResponse] })
  items: TaskResponse[];
}

export class ContactResponse implements ContactView {
  @ApiProperty({ example: '1001' })
  id: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The platform's own id for the candidate",
    example: 'cand-1',
  })
  candidateRef: string | null;

  @ApiProperty({ type: String, nullable: true, example: '张三' })
  name: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "E.164, masked; null once the candidate's data was erased",
    example: '+86138****8000',
  })
  phone: string | null;

  @ApiProperty({
    description:
      "The candidate's personal data was erased (POST /v1/admin/firms/{firmId}/erasure): name, candidateRef and phone are null; the results stay",
    example: false,
  })
  erased: boolean;

  @ApiProperty({ enum: CONTACT_STATUSES, description: CONTACT_STATUS, example: ContactStatus.Done })
  status: ContactStatus;

  @ApiProperty({
    type: String,
    enum: Object.values(SkipReason),
    nullable: true,
    description:
      'Why a skipped contact is not called: do_not_call, invalid, cooling, cancelled, withdrawn (by its recruiter; a result it had is kept)',
    example: null,
  })
  skipReason: string | null;

  @ApiProperty({
    description: 'Withdrawn while a running campaign holds it: skipped `withdrawn` once that campaign is done with it',
    example: false,
  })
  withdrawPending: boolean;

  @ApiProperty({ description: 'Calls made to this contact', example: 1 })
  attempts: number;

  @ApiProperty({ enum: CALL_RESULTS, description: CALL_RESULT, example: CallResult.Connected })
  callResult: CallResult;

  @ApiProperty({ type: String, nullable: true, description: 'When failed: no_answer, busy, rejected, unreachable' })
  failReason: string | null;

  @ApiProperty({ enum: INTENTIONS, description: INTENTION, example: Intention.Interested })
  intensionResult: Intention;

  @ApiProperty({ description: 'Talk time of the last call, seconds', example: 37 })
  durationSec: number;

  @ApiProperty({ ...DATE_TIME, nullable: true })
  calledAt: string | null;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'When a failed contact becomes due again' })
  nextAttemptAt: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "The platform's summary of the last call (the latest `calledAt`); null when that call had none or the contact was " +
      'never called. The whole conversation of every call: `GET /v1/tasks/{id}/contacts/{contactId}/calls`',
    example: '候选人对岗位感兴趣，希望周末面试。',
  })
  lastSummary: string | null;
}

export class CallResponse implements CallView {
  @ApiProperty({
    description: "The platform's id of the call record (the `recordId` of its `contact.called` event)",
    example: 'rec_000001_42',
  })
  recordId: string;

  @ApiProperty({ enum: CALL_RESULTS, description: CALL_RESULT, example: CallResult.Connected })
  callResult: CallResult;

  @ApiProperty({ enum: INTENTIONS, description: INTENTION, example: Intention.Interested })
  intention: Intention;

  @ApiProperty({ description: 'Talk time, seconds (0 when not connected)', example: 37 })
  durationSec: number;

  @ApiProperty({ ...DATE_TIME, description: 'When the call was made (ISO 8601, UTC)' })
  calledAt: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When failed: no_answer, busy, rejected, unreachable (as the platform says, at most 16 characters)',
    example: null,
  })
  failReason: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The platform's summary of the conversation (at most 2,000 characters); null when not given",
    example: '候选人对岗位感兴趣，希望周末面试。',
  })
  summary: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The transcript (at most 20,000 characters); null when not given',
    example: '机器人：您好，我是某某公司的招聘助理。\n候选人：你好，请说。',
  })
  transcript: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The platform's recording link (http(s), at most 2,048 characters); null when not given",
    example: 'https://recordings.robot-call.example/r/rec_000001_42.mp3',
  })
  recordingUrl: string | null;
}

export class ContactCallsResponse implements ContactCallsView {
  @ApiProperty({ description: 'The contact', example: '1001' })
  contactId: string;

  @ApiProperty({
    description:
      "The candidate's personal data was erased: the calls' outcomes stay, their summary, transcript and recording link are null",
    example: false,
  })
  erased: boolean;

  @ApiProperty({
    type: [CallResponse],
    description: 'Every call the platform reported for the contact, newest first (empty: never called)',
  })
  items: CallResponse[];
}

export class ContactPageResponse extends PageResponse implements Page<ContactView> {
  @ApiProperty({ type: [ContactResponse] })
  items: ContactResponse[];
}

export class IntentionCountsResponse {
  @ApiProperty({ example: 3 })
  interested: number;

  @ApiProperty({ example: 4 })
  notConsidering: number;

  @ApiProperty({ example: 2 })
  inconvenient: number;

  @ApiProperty({ example: 1 })
  wrongNumber: number;
}

export class SkippedByResponse {
  @ApiProperty({ description: "On the firm's do-not-call list", example: 1 })
  doNotCall: number;

  @ApiProperty({ description: 'Known wrong numbers', example: 0 })
  invalid: number;

  @ApiProperty({ description: 'Called by the firm within the cooling period', example: 0 })
  cooling: number;

  @ApiProperty({ description: 'Never called before the task was cancelled', example: 0 })
  cancelled: number;

  @ApiProperty({ description: 'Withdrawn by the recruiter', example: 2 })
  withdrawn: number;
}

export class TaskStatsResponse implements TaskStats {
  @ApiProperty({ example: '42' })
  taskId: string;

  @ApiProperty({ description: 'Contacts in the task', example: 20 })
  total: number;

  @ApiProperty({ example: 5 })
  waiting: number;

  @ApiProperty({ example: 5 })
  inCampaign: number;

  @ApiProperty({ example: 10 })
  done: number;

  @ApiProperty({ example: 0 })
  skipped: number;

  @ApiProperty({ example: 7 })
  connected: number;

  @ApiProperty({ example: 3 })
  failed: number;

  @ApiProperty({ description: 'Calls made in all, retries included', example: 12 })
  attempts: number;

  @ApiProperty({ type: IntentionCountsResponse })
  intentions: IntentionCountsResponse;

  @ApiProperty({ type: SkippedByResponse, description: 'The skipped contacts by reason (they add up to `skipped`)' })
  skippedBy: SkippedByResponse;

  @ApiProperty({ description: 'connected / contacts called at least once; 0 when nobody was called yet', example: 0.7 })
  connectRate: number;

  @ApiProperty({ description: 'interested / connected; 0 when nobody was reached yet', example: 0.4286 })
  interestRate: number;
}

export class WithdrawnContactResponse implements WithdrawnContact {
  @ApiProperty({ example: '1001' })
  contactId: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "E.164, masked; null once the candidate's personal data was erased",
    example: '+86138****8000',
  })
  phone: string | null;
}

export class NotFoundContactResponse implements NotFoundContact {
  @ApiProperty({ description: 'Index of the entry in the request', example: 2 })
  index: number;

  @ApiProperty({ type: String, nullable: true, description: 'The id given (null for numbers)', example: null })
  contactId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The number given, masked (null for ids)',
    example: '139****0009',
  })
  phone: string | null;
}

export class WithdrawContactsResponse implements WithdrawContactsResult {
  @ApiProperty({
    type: [WithdrawnContactResponse],
    description:
      'Withdrawn now: skipped `withdrawn` and never called again (a result they had is kept); also those skipped already, for any reason',
  })
  withdrawn: WithdrawnContactResponse[];

  @ApiProperty({
    type: [WithdrawnContactResponse],
    description:
      'Held by a running campaign, which may still call them: withdrawn when that campaign is done with them (its result kept)',
  })
  afterCampaign: WithdrawnContactResponse[];

  @ApiProperty({ type: [NotFoundContactResponse], description: 'Entries naming no contact of the task' })
  notFound: NotFoundContactResponse[];
}
