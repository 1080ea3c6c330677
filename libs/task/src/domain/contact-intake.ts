import { maskPhone, normalizePhone, PhoneRejection } from '@app/core';

export interface ContactInput {
  phone: string;
  name?: string | null;
  candidateRef?: string | null;
}

export interface AcceptedContact {
  index: number;
  phone: string;
  name: string | null;
  candidateRef: string | null;
}

export type RejectionReason = PhoneRejection | 'duplicate_in_request' | 'already_in_task';

export interface RejectedContact {
  index: number;
  /** Masked: the caller sent it, but responses and logs never carry whole numbers. */
  phone: string;
  candidateRef: string | null;
  reason: RejectionReason;
}

export interface IntakeResult {
  accepted: AcceptedContact[];
  rejected: RejectedContact[];
}

/**
 * Validates a bulk list: each number normalised, duplicates within the request found on the normalised
 * form (so `138 0013 8000` and `+8613800138000` are one person). Invalid and duplicate entries are reported,
 * never silently dropped, and never stored: a contact row exists only for a distinct, callable number.
 */
export function screenContacts(inputs: readonly ContactInput[]): IntakeResult {
  const accepted: AcceptedContact[] = [];
  const rejected: RejectedContact[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const candidateRef = input.candidateRef ?? null;
    const normalized = normalizePhone(input.phone);
    if (!normalized.ok) {
      rejected.push({ index, phone: maskPhone(input.phone), candidateRef, reason: normalized.reason });
      return;
    }
    if (seen.has(normalized.e164)) {
      rejected.push({ index, phone: maskPhone(normalized.e164), candidateRef, reason: 'duplicate_in_request' });
      return;
    }
    seen.add(normalized.e164);
    accepted.push({ index, phone: normalized.e164, name: input.name?.trim() || null, candidateRef });
  });
  return { accepted, rejected };
}
