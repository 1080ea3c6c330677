/** The contract's campaign statuses (README "Campaign status"); the numbers are the wire values. */
export enum RemoteCampaignStatus {
  New = 0,
  Running = 1,
  Paused = 2,
  Finished = 3,
}

export type CampaignAction = 'start' | 'pause' | 'stop';

/** A call record's result on the wire: 1 connected, 2 failed. The one list: readers check against it. */
export const REMOTE_CALL_RESULTS = [1, 2] as const;
export type RemoteCallResult = (typeof REMOTE_CALL_RESULTS)[number];

/** A call record's intention on the wire: 0 none, 1 interested, 2 not considering, 3 inconvenient, 4 wrong number. */
export const REMOTE_INTENTIONS = [0, 1, 2, 3, 4] as const;
export type RemoteIntention = (typeof REMOTE_INTENTIONS)[number];

export interface CampaignContact {
  /** The caller's own contact id, unique within one campaign; every call record echoes it. */
  ref: string;
  /** E.164. */
  phone: string;
  name?: string;
}

export interface AddCampaignInput {
  /** Idempotency key (1–64 chars): resending it after a lost reply returns the same campaign. */
  requestId: string;
  name: string;
  scriptId: string;
  contacts: readonly CampaignContact[];
}

export interface AddCampaignResult {
  campaignId: string;
  status: RemoteCampaignStatus;
  contactCount: number;
  /** False when the `requestId` had already created this campaign. */
  created: boolean;
}

export interface CampaignDetailQuery {
  campaignId: string;
  /** `null`/absent for the first page, else a previous page's `nextCursor`. */
  cursor?: string | null;
  /** 1–1000; the platform defaults to 500. */
  limit?: number;
}

export interface RemoteCallRecord {
  recordId: string;
  ref: string;
  callResult: RemoteCallResult;
  failReason: string | null;
  intention: RemoteIntention;
  durationSec: number;
  calledAt: Date;
  /** Where the call's recording can be fetched (the platform's URL, as given); null when it gave none. */
  recordingUrl: string | null;
  /** What was said, as the platform transcribed it; null when it gave none. */
  transcript: string | null;
  /** The platform's short summary of the conversation; null when it gave none. */
  summary: string | null;
}

export interface CampaignDetail {
  campaignId: string;
  status: RemoteCampaignStatus;
  contactCount: number;
  dialledCount: number;
  records: RemoteCallRecord[];
  nextCursor: string | null;
  /** More records exist now beyond this page; fully read once `status` is Finished and this is false. */
  hasMore: boolean;
}

export interface CampaignStatusChange {
  campaignId: string;
  status: RemoteCampaignStatus;
}
