import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneRejection = 'empty' | 'invalid' | 'not_mobile';

export type NormalizedPhone = { ok: true; e164: string } | { ok: false; reason: PhoneRejection };

/**
 * Validates and normalises a candidate's number to E.164. Uses libphonenumber's full metadata (`/max`):
 * the default build checks only the length. Numbers without a country code are read as Chinese; the robot
 * calls mobiles, so a number that is certainly a landline or a service number is refused.
 */
export function normalizePhone(raw: string, defaultCountry: 'CN' = 'CN'): NormalizedPhone {
  const input = (raw ?? '').trim();
  if (!input) return { ok: false, reason: 'empty' };
  const parsed = parsePhoneNumberFromString(input, defaultCountry);
  if (!parsed || !parsed.isValid()) return { ok: false, reason: 'invalid' };
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { ok: false, reason: 'not_mobile' };
  return { ok: true, e164: parsed.number };
}
