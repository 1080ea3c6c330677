import { CallTaskStatus, PauseReason, TaskStatus } from './statuses';
import { whyWaiting, WaitingInput } from './waiting';

const ALWAYS = { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' };
const OFFICE = { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' };
const NOW = new Date('2026-12-01T04:00:00Z'); // 12:00 in Shanghai

function input(patch: Partial<WaitingInput>): WaitingInput {
  return {
    status: TaskStatus.InProgress,
    pauseReason: null,
    window: ALWAYS,
    activeCampaign: null,
    nextDue: () => Promise.resolve(null),
    now: NOW,
    ...patch,
  };
}

describe('whyWaiting', () => {
  it('says nothing while a campaign runs, before the start and once finished', async () => {
    const sut = whyWaiting;
    for (const status of [TaskStatus.NotStarted, TaskStatus.Completed, TaskStatus.Cancelled]) {
      expect(await sut(input({ status }))).toEqual({ waitingFor: null, nextActionAt: null });
    }
    expect(await sut(input({ activeCampaign: CallTaskStatus.InProgress }))).toEqual({
      waitingFor: null,
      nextActionAt: null,
    });
  });

  it('a scheduled task waits for its time, then for the worker, or for the BOT while it is off', async () => {
    const sut = whyWaiting;
    const later = new Date(NOW.getTime() + 3_600_000);
    let botRead = 0;
    const bot = (usable: boolean) => () => {
      botRead++;
      return Promise.resolve(usable);
    };
    expect(await sut(input({ status: TaskStatus.NotStarted, startAt: later, botUsable: bot(false) }))).toEqual({
      waitingFor: 'scheduled',
      nextActionAt: later,
    });
    expect(botRead).toBe(0); // the BOT is read only once the time has come
    expect(await sut(input({ status: TaskStatus.NotStarted, startAt: NOW, botUsable: bot(true) }))).toEqual({
      waitingFor: 'worker',
      nextActionAt: null,
    });
    expect(await sut(input({ status: TaskStatus.NotStarted, startAt: NOW, botUsable: bot(false) }))).toEqual({
      waitingFor: 'bot',
      nextActionAt: null,
    });
    // Started by its schedule, a task keeps startAt: it waits for what any running task waits for.
    expect(await sut(input({ startAt: NOW, activeCampaign: CallTaskStatus.InProgress }))).toEqual({
      waitingFor: null,
      nextActionAt: null,
    });
  });

  it('names the reason of a pause, with the window opening for the window', async () => {
    const sut = whyWaiting;
    expect(await sut(input({ status: TaskStatus.Paused, pauseReason: PauseReason.Recruiter }))).toEqual({
      waitingFor: 'recruiter',
      nextActionAt: null,
    });
    expect(await sut(input({ status: TaskStatus.Paused, pauseReason: PauseReason.PlatformRejected }))).toEqual({
      waitingFor: 'recruiter',
      nextActionAt: null,
    });
    expect(await sut(input({ status: TaskStatus.Paused, pauseReason: PauseReason.BotExpired }))).toEqual({
      waitingFor: 'bot',
      nextActionAt: null,
    });
    const evening = new Date('2026-12-01T13:00:00Z'); // 21:00 in Shanghai
    expect(
      await sut(
        input({ status: TaskStatus.Paused, pauseReason: PauseReason.OutsideWindow, window: OFFICE, now: evening }),
      ),
    ).toEqual({
      waitingFor: 'call_window',
      nextActionAt: new Date('2026-12-02T01:00:00Z'),
    });
  });

  it('between campaigns: the earliest retry or callback, else the worker', async () => {
    const sut = whyWaiting;
    const later = new Date(NOW.getTime() + 3_600_000);
    expect(await sut(input({ nextDue: () => Promise.resolve({ at: later, callback: false }) }))).toEqual({
      waitingFor: 'retry_gap',
      nextActionAt: later,
    });
    expect(await sut(input({ nextDue: () => Promise.resolve({ at: later, callback: true }) }))).toEqual({
      waitingFor: 'callback',
      nextActionAt: later,
    });
    expect(await sut(input({ nextDue: () => Promise.resolve({ at: null, callback: false }) }))).toEqual({
      waitingFor: 'worker',
      nextActionAt: null,
    });
    expect(await sut(input({ nextDue: () => Promise.resolve(null) }))).toEqual({
      waitingFor: 'worker',
      nextActionAt: null,
    });
  });

  it('a campaign not confirmed yet waits for the platform', async () => {
    expect(await whyWaiting(input({ status: TaskStatus.Starting, activeCampaign: CallTaskStatus.New }))).toEqual({
      waitingFor: 'platform',
      nextActionAt: null,
    });
  });
});
