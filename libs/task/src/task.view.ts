import { maskPhone } from '@app/core';
import { TaskEntity } from './entities/task.entity';
import type { StoredContact } from './repositories/contact-phones';
import { CallTaskEntity } from './entities/call-task.entity';
import { CallWindow } from './domain/call-window';
import { taskCallWindow } from './domain/task-window';
import { Waiting, WaitingFor } from './domain/waiting';

export interface TaskView {
  id: string;
  firmId: string;
  accountId: string;
  name: string;
  scriptId: string;
  status: number;
  pauseReason: string | null;
  /** What a task that is not finished and has no campaign running waits for (null otherwise). */
  waitingFor: WaitingFor | null;
  /** When that wait ends by itself (call window, retry gap, callback); null otherwise. */
  nextActionAt: string | null;
  /** The platform's last refusal or failure while starting (e.g. with `pauseReason: platform_rejected`). */
  lastError: string | null;
  batchSize: number;
  maxAttempts: number;
  retryGapMinutes: number;
  callWindow: CallWindow;
  /** When a task not started is scheduled to start (null: not scheduled); kept once the schedule started it. */
  startAt: string | null;
  /** The task this one was made from by a follow-up (null otherwise). */
  sourceTaskId: string | null;
  activeCampaign: { callTaskId: string; campaignId: string | null; status: number; contactCount: number } | null;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toTaskView(task: TaskEntity, active: CallTaskEntity | null, waiting: Waiting): TaskView {
  return {
    id: String(task.id),
    firmId: String(task.firmId),
    accountId: String(task.accountId),
    name: task.name,
    scriptId: task.scriptId,
    status: task.status,
    pauseReason: task.pauseReason,
    waitingFor: waiting.waitingFor,
    nextActionAt: waiting.nextActionAt?.toISOString() ?? null,
    lastError: task.lastError,
    batchSize: task.batchSize,
    maxAttempts: task.maxAttempts,
    retryGapMinutes: task.retryGapMinutes,
    callWindow: taskCallWindow(task),
    startAt: task.startAt?.toISOString() ?? null,
    sourceTaskId: task.sourceTaskId === null || task.sourceTaskId === undefined ? null : String(task.sourceTaskId),
    activeCampaign: active
      ? {
          callTaskId: String(active.id),
          campaignId: active.campaignId,
          status: active.status,
          contactCount: active.contactCount,
        }
      : null,
    startedAt: task.startedAt?.toISOString() ?? null,
    finishedAt: task.finishedAt?.toISOString() ?? null,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
  };
}

export interface ContactView {
  id: string;
  candidateRef: string | null;
  name: string | null;
  /** Masked: list responses never carry whole numbers; null once the candidate's data was erased. */
  phone: string | null;
  /** The candidate's personal data was erased (name, reference and number null; results kept). */
  erased: boolean;
  status: number;
  skipReason: string | null;
  /** Withdrawn while a campaign holds it: skipped `withdrawn` once that campaign is done with it. */
  withdrawPending: boolean;
  attempts: number;
  callResult: number;
  failReason: string | null;
  intensionResult: number;
  durationSec: number;
  calledAt: string | null;
  nextAttemptAt: string | null;
  /** What the candidate said on the last call, as the platform summed it up; null when it gave no summary. */
  lastSummary: string | null;
}

export function toContactView(contact: StoredContact, lastSummary: string | null = null): ContactView {
  return {
    id: String(contact.id),
    candidateRef: contact.candidateRef,
    name: contact.name,
    phone: contact.phone === null ? null : maskPhone(contact.phone),
    erased: contact.erased,
    status: contact.status,
    skipReason: contact.skipReason,
    withdrawPending: Number(contact.withdrawPending) === 1,
    attempts: contact.attempts,
    callResult: contact.callResult,
    failReason: contact.failReason,
    intensionResult: contact.intensionResult,
    durationSec: contact.durationSec,
    calledAt: contact.calledAt?.toISOString() ?? null,
    nextAttemptAt: contact.nextAttemptAt?.toISOString() ?? null,
    lastSummary,
  };
}

/** One call of a contact as the call history shows it: the outcome and what the candidate said. */
export interface CallView {
  /** The platform's id of the call record (the `recordId` of its `contact.called` event). */
  recordId: string;
  callResult: number;
  intention: number;
  durationSec: number;
  calledAt: string;
  failReason: string | null;
  summary: string | null;
  transcript: string | null;
  recordingUrl: string | null;
}

/** A contact's calls, newest first. */
export interface ContactCallsView {
  contactId: string;
  /** The candidate's personal data was erased: every call's summary, transcript and recording link are null. */
  erased: boolean;
  items: CallView[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
