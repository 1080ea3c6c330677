/**
 * A candidate's erasure (PIPL), as the contact and its events show it: the personal fields of a contact and of the
 * events that carry it (`contact.called`, `candidate.interested`, `contact.withdrawn`) become null and the payload says `erased: true`;
 * everything else (ids, results, times) stays, so the statistics and the tasks' histories do not change.
 */

/** The fields of a contact's event payload that are the candidate's personal data (each type carries some of them). */
export const PERSONAL_EVENT_FIELDS = [
  'candidateRef',
  'name',
  'phone',
  'recordingUrl',
  'transcript',
  'summary',
] as const;

/** A call's conversation in a payload: what the conversations' retention deletes. */
export const CONVERSATION_EVENT_FIELDS = ['recordingUrl', 'transcript', 'summary'] as const;

/** The event types whose payload carries a contact's personal data. */
export const CONTACT_EVENT_TYPES: readonly string[] = ['contact.called', 'candidate.interested', 'contact.withdrawn'];

/**
 * The payload with the personal fields it carries null and `erased: true`, keeping its shape (no field added but
 * `erased`); null when it is erased already (nothing to write).
 */
export function erasedEventData(data: Record<string, unknown>): Record<string, unknown> | null {
  if (data.erased === true && PERSONAL_EVENT_FIELDS.every((f) => data[f] === null || data[f] === undefined))
    return null;
  const out: Record<string, unknown> = { ...data };
  for (const field of PERSONAL_EVENT_FIELDS) if (field in out) out[field] = null;
  out.erased = true;
  return out;
}

/** The payload without its conversation (the three fields null); null when it carries none (nothing to write). */
export function withoutConversation(data: Record<string, unknown>): Record<string, unknown> | null {
  if (CONVERSATION_EVENT_FIELDS.every((f) => data[f] === null || data[f] === undefined)) return null;
  const out: Record<string, unknown> = { ...data };
  for (const field of CONVERSATION_EVENT_FIELDS) out[field] = null;
  return out;
}
