import { DomainError, ErrorKind, maskPhone, normalizePhone } from '@app/core';

/**
 * Some numbers of a do-not-call change are not mobile numbers: the whole change is refused, nothing written. Its
 * details are VALIDATION_FAILED's one shape, `[{ field, errors[] }]`: the field `phones.<index>`, the error naming
 * the reason (`empty`, `invalid`, `not_mobile`) and the number masked.
 */
export class InvalidDoNotCallNumbersError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = ErrorKind.Invalid;
  constructor(bad: readonly { index: number; phone: string; reason: string }[]) {
    super(
      'Some numbers are not valid mobile numbers',
      bad.slice(0, 50).map(({ index, phone, reason }) => ({
        field: `phones.${index}`,
        errors: [`phones.${index} is not a mobile number (${reason}): ${phone}`],
      })),
    );
  }
}

/**
 * The numbers of a do-not-call change, normalised to E.164 the way contacts are (so the keyed hashes match),
 * or the change is refused naming every bad entry (masked, at most 50).
 */
export function doNotCallNumbers(phones: readonly string[]): string[] {
  const result: string[] = [];
  const bad: { index: number; phone: string; reason: string }[] = [];
  phones.forEach((raw, index) => {
    const n = normalizePhone(raw);
    if (n.ok) result.push(n.e164);
    else bad.push({ index, phone: maskPhone(raw), reason: n.reason });
  });
  if (bad.length) throw new InvalidDoNotCallNumbersError(bad);
  return result;
}
