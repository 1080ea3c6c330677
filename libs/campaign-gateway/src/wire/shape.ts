import { parseDateTime } from '@app/core';

/**
 * Minimal readers for the platform's answers. They name the offending field but never echo its value, so
 * a record's content (which may hold personal data) cannot end up in an error message.
 */
export class ShapeError extends Error {}

export type WireObject = Record<string, unknown>;

export function asObject(value: unknown, what: string): WireObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShapeError(`${what} is not an object`);
  }
  return value as WireObject;
}

export function readString(obj: WireObject, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new ShapeError(`${key} is not a string`);
  return value;
}

/** A non-empty string of at most `maxLength` characters (an id the caller stores in a column of that size). */
export function readId(obj: WireObject, key: string, maxLength: number): string {
  const value = readString(obj, key);
  if (value.length === 0 || Array.from(value).length > maxLength) {
    throw new ShapeError(`${key} is not 1 to ${maxLength} characters long`);
  }
  return value;
}

export function readNullableString(obj: WireObject, key: string): string | null {
  const value = obj[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new ShapeError(`${key} is not a string or null`);
  return value;
}

export function readCount(obj: WireObject, key: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ShapeError(`${key} is not a non-negative integer`);
  }
  return value;
}

export function readBoolean(obj: WireObject, key: string): boolean {
  const value = obj[key];
  if (typeof value !== 'boolean') throw new ShapeError(`${key} is not a boolean`);
  return value;
}

export function readOneOf<T extends number>(obj: WireObject, key: string, allowed: readonly T[]): T {
  const value = obj[key];
  if (!allowed.includes(value as T)) throw new ShapeError(`${key} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * A date-time of the wire: ISO 8601, and UTC when it carries no zone, as the contract says (README, "Times"),
 * never the zone of the machine that happens to read it. Null when it is not one.
 */
export function parseWireDateTime(text: string): Date | null {
  return parseDateTime(text, 'utc');
}

export function readDate(obj: WireObject, key: string): Date {
  const date = parseWireDateTime(readString(obj, key));
  if (!date) throw new ShapeError(`${key} is not an ISO 8601 date-time`);
  return date;
}

export function readArray(obj: WireObject, key: string): unknown[] {
  const value = obj[key];
  if (!Array.isArray(value)) throw new ShapeError(`${key} is not an array`);
  return value;
}
