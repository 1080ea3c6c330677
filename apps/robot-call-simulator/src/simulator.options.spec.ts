import { assertValidSimulatorOptions, defaultSimulatorOptions, simulatorOptionsFromEnv } from './simulator.options';
import { parseIntentionMix } from './outcomes/intention-mix';

describe('simulatorOptionsFromEnv', () => {
  const sut = simulatorOptionsFromEnv;

  it('defaults every variable', () => {
    expect(sut({})).toEqual({
      port: 4010,
      apiKey: 'dev-robot-key',
      callMs: 2000,
      parallelism: 5,
      seed: 42,
      connectRate: 0.7,
      conversationRate: 1,
      transcriptBytes: 0,
      intentionMix: { 0: expect.closeTo(0.1, 10) as unknown, 1: 0.25, 2: 0.35, 3: 0.2, 4: 0.1 },
      errorRate: 0,
      timeoutRate: 0,
      hangMs: 30_000,
      delayMs: 0,
      lostReplyRate: 0,
      refuseRate: 0,
      undialledRate: 0,
      longFailReasonRate: 0,
      stuckCursorRate: 0,
      pushUrl: '',
      pushSecret: 'dev-callback-secret',
      pushBatchMs: 0,
    });
  });

  it('reads every variable, treating empty ones as unset', () => {
    const options = sut({
      SIMULATOR_PORT: '5000',
      SIMULATOR_API_KEY: 'k',
      SIMULATOR_CALL_MS: '15',
      SIMULATOR_PARALLELISM: '8',
      SIMULATOR_SEED: '7',
      SIMULATOR_CONNECT_RATE: '0.5',
      SIMULATOR_CONVERSATION_RATE: '0.25',
      SIMULATOR_TRANSCRIPT_BYTES: '1024',
      SIMULATOR_INTENTION_MIX: '1:1',
      SIMULATOR_ERROR_RATE: '0.1',
      SIMULATOR_TIMEOUT_RATE: '0.2',
      SIMULATOR_HANG_MS: '100',
      SIMULATOR_DELAY_MS: '3',
      SIMULATOR_LOST_REPLY_RATE: '0.3',
      SIMULATOR_LONG_FAIL_REASON_RATE: '0.4',
      SIMULATOR_STUCK_CURSOR_RATE: '0.5',
      SIMULATOR_PUSH_URL: 'http://127.0.0.1:3000/robot-call/callback',
      SIMULATOR_PUSH_SECRET: 's3cret',
      SIMULATOR_PUSH_BATCH_MS: '250',
      SIMULATOR_SEED_UNUSED: 'x',
    });
    const withEmpty = sut({ SIMULATOR_CALL_MS: ' ', SIMULATOR_API_KEY: '' });

    expect(options).toEqual({
      port: 5000,
      apiKey: 'k',
      callMs: 15,
      parallelism: 8,
      seed: 7,
      connectRate: 0.5,
      conversationRate: 0.25,
      transcriptBytes: 1024,
      intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 },
      errorRate: 0.1,
      timeoutRate: 0.2,
      hangMs: 100,
      delayMs: 3,
      lostReplyRate: 0.3,
      refuseRate: 0,
      undialledRate: 0,
      longFailReasonRate: 0.4,
      stuckCursorRate: 0.5,
      pushUrl: 'http://127.0.0.1:3000/robot-call/callback',
      pushSecret: 's3cret',
      pushBatchMs: 250,
    });
    expect(withEmpty).toMatchObject({ callMs: 2000, apiKey: 'dev-robot-key' });
    expect(sut({ SIMULATOR_PUSH_URL: ' ', SIMULATOR_PUSH_SECRET: '' })).toMatchObject({
      pushUrl: '',
      pushSecret: 'dev-callback-secret',
    });
  });

  it.each([
    ['SIMULATOR_PORT', '70000'],
    ['SIMULATOR_CALL_MS', 'fast'],
    ['SIMULATOR_CALL_MS', '1.5'],
    ['SIMULATOR_PARALLELISM', '0'],
    ['SIMULATOR_SEED', '-1'],
    ['SIMULATOR_CONNECT_RATE', '1.2'],
    ['SIMULATOR_ERROR_RATE', '0x1'],
    ['SIMULATOR_TIMEOUT_RATE', '-0.1'],
    ['SIMULATOR_HANG_MS', 'soon'],
    ['SIMULATOR_DELAY_MS', '-5'],
    ['SIMULATOR_LOST_REPLY_RATE', '2'],
    ['SIMULATOR_INTENTION_MIX', '5:1'],
    ['SIMULATOR_INTENTION_MIX', '1:0.5,1:0.5'],
    ['SIMULATOR_INTENTION_MIX', '0:0'],
    ['SIMULATOR_PUSH_URL', 'localhost:3000/callback'],
    ['SIMULATOR_PUSH_URL', 'ftp://example.com/callback'],
    ['SIMULATOR_PUSH_BATCH_MS', '-1'],
    ['SIMULATOR_PUSH_BATCH_MS', '0.5'],
  ])('throws naming %s when it is %p', (name, value) => {
    expect(() => sut({ [name]: value })).toThrow(name);
  });
});

describe('parseIntentionMix', () => {
  const sut = parseIntentionMix;

  it('gives intention 0 what the named weights leave below 1', () => {
    expect(sut('1:0.3,2:0.4')).toEqual({ 0: expect.closeTo(0.3, 10) as unknown, 1: 0.3, 2: 0.4, 3: 0, 4: 0 });
    expect(sut('1:0.3,2:0.4,3:0.2,4:0.1')).toEqual({
      0: expect.closeTo(0, 10) as unknown,
      1: 0.3,
      2: 0.4,
      3: 0.2,
      4: 0.1,
    });
  });

  it('keeps an explicit intention 0 and accepts weights of any scale', () => {
    expect(sut('0:1, 1:3')).toEqual({ 0: 1, 1: 3, 2: 0, 3: 0, 4: 0 });
  });
});

describe('assertValidSimulatorOptions', () => {
  it('accepts the defaults and names an invalid option', () => {
    expect(() => assertValidSimulatorOptions(defaultSimulatorOptions())).not.toThrow();
    expect(() => assertValidSimulatorOptions({ ...defaultSimulatorOptions(), parallelism: 0 })).toThrow('parallelism');
    expect(() => assertValidSimulatorOptions({ ...defaultSimulatorOptions(), pushUrl: 'not a url' })).toThrow(
      'pushUrl',
    );
    expect(() => assertValidSimulatorOptions({ ...defaultSimulatorOptions(), pushSecret: '' })).toThrow('pushSecret');
    expect(() => assertValidSimulatorOptions({ ...defaultSimulatorOptions(), pushBatchMs: -1 })).toThrow('pushBatchMs');
  });
});
