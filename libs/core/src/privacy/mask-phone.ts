/**
 * Phone numbers are personal data: anything that leaves the process for people to read (logs, list
 * responses, error details) shows them masked, keeping the last four digits for recognition:
 * `+8613812341234` → `+86138****1234`, `13812341234` → `138****1234`.
 */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  const prefix = phone.startsWith('+') ? '+' : '';
  const national = digits.startsWith('86') && digits.length === 13 ? digits.slice(2) : digits;
  const country = national === digits ? '' : '86';
  const head = national.slice(0, 3);
  const tail = national.slice(-4);
  return `${prefix}${country}${head}${'*'.repeat(national.length - 7)}${tail}`;
}

const PHONE_LIKE = /\+?\d[\d\s-]{9,16}\d/g;

/** Masks every phone-like run of digits in free text (error messages, log lines). */
export function maskPhonesInText(text: string): string {
  return text.replace(PHONE_LIKE, (match) => maskPhone(match));
}
