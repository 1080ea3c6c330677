import { Injectable } from '@nestjs/common';
import { isErasedSealed, PhoneVault, SealedPhone } from '@app/core';
import { ContactEntity } from '../entities/contact.entity';

/**
 * A contact as the rest of the service sees it: its number opened (mask it before showing it to people), or null
 * when the candidate's data was erased (`erased`).
 */
export type StoredContact = Omit<ContactEntity, 'phoneHash' | 'phoneEnc' | 'phoneKeyId' | 'phoneMasked'> & {
  phone: string | null;
  erased: boolean;
};

/**
 * How a contact's number is stored (PhoneVault): written as keyed hash + ciphertext, looked up by hash, opened
 * only when read. The contact repositories cross this boundary; nothing else sees a sealed column.
 */
@Injectable()
export class ContactPhones {
  constructor(private readonly vault: PhoneVault) {}

  hash(e164: string): string {
    return this.vault.hash(e164);
  }

  seal(e164: string): SealedPhone {
    return this.vault.seal(e164);
  }

  open(row: Pick<ContactEntity, 'phoneEnc' | 'phoneKeyId'>): string {
    return this.vault.open({ enc: row.phoneEnc, keyId: row.phoneKeyId });
  }

  /** The number as the row stores it, for the firm registry (same vault and keys: usable as it is). */
  sealedOf(row: Pick<ContactEntity, 'phoneHash' | 'phoneEnc' | 'phoneKeyId'>): SealedPhone {
    return { hash: row.phoneHash, enc: row.phoneEnc, keyId: row.phoneKeyId };
  }

  /** Whether the row's number was erased (only its keyed hash is left). */
  isErased(row: Pick<ContactEntity, 'phoneKeyId'>): boolean {
    return isErasedSealed({ keyId: row.phoneKeyId });
  }

  /** The number opened, or null when it was erased. */
  openUnlessErased(row: Pick<ContactEntity, 'phoneEnc' | 'phoneKeyId'>): string | null {
    return this.isErased(row) ? null : this.open(row);
  }

  /** The row with its number opened (null when erased) and the sealed columns left out. */
  reveal(row: ContactEntity): StoredContact {
    const { phoneHash: _hash, phoneEnc: _enc, phoneKeyId: _keyId, phoneMasked: _masked, ...rest } = row;
    return { ...rest, phone: this.openUnlessErased(row), erased: this.isErased(row) };
  }
}
