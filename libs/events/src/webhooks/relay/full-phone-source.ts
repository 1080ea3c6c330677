/**
 * The port a full-number subscription is served through: events carry masked numbers (the outbox, the feed);
 * an endpoint registered with `fullPhones` gets the contact's number opened at delivery, from the lib that owns
 * contacts (the task lib provides it; the events lib may not depend on it). Null when the contact is gone.
 */
export abstract class FullPhoneSource {
  abstract fullPhone(firmId: string, contactId: string): Promise<string | null>;
}
