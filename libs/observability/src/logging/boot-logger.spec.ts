import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { BootLogger } from './boot-logger';

function capture(env: NodeJS.ProcessEnv = {}) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
      done();
    },
  });
  return { sut: new BootLogger('spec', env, stream), lines };
}

describe('BootLogger', () => {
  // Nest's static logger is per test file: leave it writing nowhere rather than to a finished test's stream.
  afterEach(() => {
    Logger.overrideLogger(false);
  });

  it('writes Nest’s lines as the apps’ JSON: level name, service, context', () => {
    const { sut, lines } = capture();
    Logger.overrideLogger(sut);

    new Logger('NestFactory').log('Starting Nest application...');

    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.any(String) as unknown,
        service: 'spec',
        context: 'NestFactory',
        msg: 'Starting Nest application...',
      },
    ]);
  });

  it('keeps an error’s message and stack, in either of Nest’s forms, masking phone numbers', () => {
    const { sut, lines } = capture();
    Logger.overrideLogger(sut);

    new Logger('ExceptionHandler').error(new Error('refused 13812345678'));
    new Logger('Boot').error('failed', 'Error: failed\n    at somewhere');

    expect(lines[0]).toMatchObject({
      level: 'error',
      context: 'ExceptionHandler',
      msg: 'refused 138****5678',
      err: { message: 'refused 138****5678' },
    });
    expect(lines[1]).toMatchObject({
      level: 'error',
      context: 'Boot',
      msg: 'failed',
      err: { stack: 'Error: failed\n    at somewhere' },
    });
  });

  it('takes LOG_LEVEL when it is valid, else info', () => {
    const quiet = capture({ LOG_LEVEL: 'error' });
    quiet.sut.log('hidden');
    quiet.sut.error('shown');
    expect(quiet.lines.map((l) => l.msg)).toEqual(['shown']);

    const invalid = capture({ LOG_LEVEL: 'chatty' });
    invalid.sut.debug('hidden');
    invalid.sut.log('shown');
    expect(invalid.lines.map((l) => l.msg)).toEqual(['shown']);
  });

  it('says why a start-up failed in one fatal line', () => {
    const { sut, lines } = capture();

    sut.startFailed(new Error('listen EADDRINUSE: address already in use :::3000'), 'Api');

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'fatal',
        context: 'Api',
        msg: 'start-up failed: listen EADDRINUSE: address already in use :::3000',
      }),
    ]);
  });
});
