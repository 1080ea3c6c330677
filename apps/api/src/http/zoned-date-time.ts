import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';
import { parseDateTime } from '@app/core';

/**
 * A date-time the API takes must say its zone (`Z` or `±HH:MM`): without one, the instant it names depends on
 * whose clock reads it. The same parser then turns it into that instant (`instantOf`), so what was validated is
 * what is stored.
 */
export function IsZonedDateTime(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isZonedDateTime',
      validator: {
        validate: (value) => typeof value === 'string' && parseDateTime(value, 'refuse') !== null,
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be an ISO 8601 date-time with a zone (Z or ±HH:MM), e.g. 2027-12-31T00:00:00Z`,
          validationOptions,
        ),
      },
    },
    validationOptions,
  );
}

/** The instant of a date-time `IsZonedDateTime` accepted. */
export function instantOf(text: string): Date {
  const instant = parseDateTime(text, 'refuse');
  if (!instant) throw new Error('instantOf: a date-time IsZonedDateTime would refuse');
  return instant;
}
