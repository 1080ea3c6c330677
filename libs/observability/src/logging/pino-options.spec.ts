import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LogLevelName } from '@app/core';
import { buildPinoHttpOptions } from './pino-options';

/** A written line, as these specs read it (each reads the fields its lines have). */
interface LogLine {
  msg: string;
  contact: string;
  err: { message: string; stack: string };
  req: { headers: Record<string, string> };
  [field: string]: unknown;
}

/** A pino logger built with the apps' options, writing to memory. */
function capture(level: LogLevelName = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino(buildPinoHttpOptions({ service: 'spec', level }), stream);
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as LogLine) };
}

describe('the apps’ pino options', () => {
  it('masks a phone number in the message: only 138****5678 appears', () => {
    const { logger, lines, parsed } = capture();

    logger.info('calling +8613812345678 now');

    expect(lines.join('\n')).not.toContain('13812345678');
    expect(lines.join('\n')).toContain('138****5678');
    expect(parsed()[0].msg).toBe('calling +86138****5678 now');
  });

  it('masks numbers in interpolation arguments, string fields and errors (message and stack)', () => {
    const { logger, lines, parsed } = capture();

    logger.warn('dial %s failed', '13812345678');
    logger.info({ contact: '+86 138 1234 5678' }, 'contact');
    logger.error({ err: new Error('campaign refused 13812345678') }, 'add failed');

    const all = lines.join('\n');
    expect(all).not.toMatch(/13812345678|138 1234 5678/);
    const [dial, field, failed] = parsed();
    expect(dial.msg).toBe('dial 138****5678 failed');
    expect(field.contact).toMatch(/\*\*\*\*5678$/);
    expect(failed.err.message).toBe('campaign refused 138****5678');
    expect(failed.err.stack).toContain('campaign refused 138****5678');
  });

  it('leaves trace and span ids whole, even when their hex holds a run of digits like a number', () => {
    const { logger, parsed } = capture();

    logger.info(
      { trace_id: 'd3477689fc2fd2b02b433e0813812345', span_id: 'e087138123457343', contact: '13812345678' },
      'x',
    );

    const [line] = parsed();
    expect(line.trace_id).toBe('d3477689fc2fd2b02b433e0813812345');
    expect(line.span_id).toBe('e087138123457343');
    expect(line.contact).toBe('138****5678');
  });

  it('redacts authorization headers and cookies', () => {
    const { logger, parsed } = capture();

    logger.info({
      req: {
        method: 'GET',
        url: '/v1/bot',
        headers: { authorization: 'Bearer secret-token', cookie: 'a=b', 'x-firm-id': '1' },
      },
    });

    const [line] = parsed();
    expect(line.req.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]', 'x-firm-id': '1' });
    expect(JSON.stringify(line)).not.toContain('secret-token');
  });

  it('writes one JSON object per line with an ISO time, a level name and the service', () => {
    const { logger, parsed } = capture();

    logger.child({ taskId: '42' }).info('synced');

    expect(parsed()[0]).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      service: 'spec',
      taskId: '42',
      msg: 'synced',
    });
  });

  it('honours the level, down to silent', () => {
    const quiet = capture('warn');
    quiet.logger.info('not written');
    quiet.logger.warn('written');
    expect(quiet.parsed().map((l) => l.msg)).toEqual(['written']);

    const silent = capture('silent');
    silent.logger.fatal('not even this');
    expect(silent.lines).toEqual([]);
  });
});
