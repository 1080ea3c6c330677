/**
 * Why a delivery can never be sent, so it is given up without an attempt (status failed, `last_error` below):
 * its event is no longer stored (deleted after the delivery was made: a redelivery racing the retention purge),
 * or it points at a batch row never rendered (EventOutbox.appendBatch: not an event; the events it renders into
 * have rows of their own and are fanned out like any other).
 */
export const UNSENDABLE_REASONS = ['event_gone', 'unrendered'] as const;
export type UnsendableReason = (typeof UNSENDABLE_REASONS)[number];

/** What the given-up delivery's `last_error` says, per reason. */
export const UNSENDABLE_ERRORS: Readonly<Record<UnsendableReason, string>> = {
  event_gone: 'event no longer stored',
  unrendered: 'not an event: a batch row never rendered',
};
