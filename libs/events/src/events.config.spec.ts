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

describe('CALL_CONTENT_RETENTION_DAYS and EVENTS_RETENTION_DAYS', () => {
  it('keeps conversations 180 days unless set', () => {
    expect(readEnvOrThrow(EventsEnv, {}).CALL_CONTENT_RETENTION_DAYS).toBe(180);
    expect(readEnvOrThrow(EventsEnv, { CALL_CONTENT_RETENTION_DAYS: '90' }).CALL_CONTENT_RETENTION_DAYS).toBe(90);
  });

  it('takes events kept as long as conversations', () => {
    const env = readEnvOrThrow(EventsEnv, { CALL_CONTENT_RETENTION_DAYS: '60', EVENTS_RETENTION_DAYS: '60' });
    expect(env.EVENTS_RETENTION_DAYS).toBe(60);
  });

  it('refuses events kept longer than conversations, naming both variables', () => {
    expect(() => readEnvOrThrow(EventsEnv, { CALL_CONTENT_RETENTION_DAYS: '20' })).toThrow(
      /EVENTS_RETENTION_DAYS \(30\) may not exceed CALL_CONTENT_RETENTION_DAYS \(20\)/,
    );
    expect(() => readEnvOrThrow(EventsEnv, { EVENTS_RETENTION_DAYS: '365' })).toThrow(
      /EVENTS_RETENTION_DAYS \(365\) may not exceed CALL_CONTENT_RETENTION_DAYS \(180\)/,
    );
  });

  it.each(['0', 'half a year', String(3651)])('refuses CALL_CONTENT_RETENTION_DAYS %p', (value) => {
    expect(() => readEnvOrThrow(EventsEnv, { CALL_CONTENT_RETENTION_DAYS: value })).toThrow(
      /CALL_CONTENT_RETENTION_DAYS/,
    );
  });
});
