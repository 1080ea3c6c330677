/** The `{code, message, data}` answer every call returns; `data` only means something when `code` is 0. */
export interface Envelope {
  code: number;
  message: string;
  data: unknown;
}

export const OK_CODE = 0;

/** Null when the body is not an envelope at all (a proxy's HTML error page, an empty body…). */
export function readEnvelope(body: unknown): Envelope | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { code, message, data } = body as Record<string, unknown>;
  if (typeof code !== 'number' || !Number.isInteger(code)) return null;
  return { code, message: typeof message === 'string' ? message : '', data };
}

/** 5xxxx: the platform's own failure, worth another attempt. */
export function isServerFailureCode(code: number): boolean {
  return code >= 50000 && code <= 59999;
}
