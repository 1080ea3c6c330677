import 'reflect-metadata';
import { readEnvOrThrow } from '@app/core';
import { EventsEnv } from './events.config';

describe('WEBHOOK_SECRET_OVERLAP_HOURS', () => {
  it('is 24 hours unless set', () => {
    expect(readEnvOrThrow(EventsEnv, {}).WEBHOOK_SECRET_OVERLAP_HOURS).toBe(24);
    expect(readEnvOrThrow(EventsEnv, { WEBHOOK_SECRET_OVERLAP_HOURS: '72' }).WEBHOOK_SECRET_OVERLAP_HOURS).toBe(72);
  });

  it.each(['0', '-1', '1.5', 'a day', String(24 * 30 + 1)])(
    'refuses %p, naming the variable (a rotation with no overlap would be a gap)',
    (value) => {
      expect(() => readEnvOrThrow(EventsEnv, { WEBHOOK_SECRET_OVERLAP_HOURS: value })).toThrow(
        /WEBHOOK_SECRET_OVERLAP_HOURS/,
      );
    },
  );
});
