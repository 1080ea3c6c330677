import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { FullPhoneSource } from '@app/events';
import { ContactRepository } from './repositories/contact.repository';
import { ContactPhones } from './repositories/contact-phones';

/**
 * The events lib's full-number port, on the contact list: a webhook registered with `fullPhones` gets the
 * contact's number opened at delivery (events themselves only ever hold it masked). Only a contact of the
 * event's firm is opened; null when it is gone or erased.
 */
@Injectable()
export class ContactFullPhones extends FullPhoneSource {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly contacts: ContactRepository,
    private readonly phones: ContactPhones,
  ) {
    super();
  }

  async fullPhone(firmId: string, contactId: string): Promise<string | null> {
    if (!/^\d{1,19}$/.test(contactId)) return null;
    const row = await this.contacts.sealedPhoneOf(this.tx.autocommit, firmId, contactId);
    // An erased contact's number is gone: its events carry `phone: null`, and so does this endpoint's copy.
    return row ? this.phones.openUnlessErased(row) : null;
  }
}
