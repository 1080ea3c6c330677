'use strict';
/**
 * One worker process for the delivery section (booted by worker-host.js, once, reused across repetitions, so boot
 * time stays out of the measurement): on each `go` from the bench, runs the events relay (RunRelayRound) as the
 * worker's EventsRelayLoop runs it (the next round at once after a round that found work, EVENTS_RELAY_INTERVAL_MS
 * after an idle one) until the bench says `stop`, and reports.
 *
 * IPC in:  { type: 'go' } | { type: 'stop' } | { type: 'exit' }
 * IPC out: { type: 'ready', bootMs } | { type: 'done', rounds, claimed, unrecorded, cpuMs } | { type: 'failed', message }
 */
const { join } = require('path');
const { build, serveWorker, sleep } = require('./worker-host');

const { RunRelayRound, eventsConfig } = require(join(build, 'libs/events/src'));

async function relayUntilStopped(app, _message, stopped) {
  const relay = app.get(RunRelayRound, { strict: false });
  const { relayIntervalMs } = app.get(eventsConfig.KEY, { strict: false });
  const cpuAtGo = process.cpuUsage();
  let rounds = 0;
  let claimed = 0;
  let unrecorded = 0;
  while (!stopped()) {
    const summary = await relay.execute();
    rounds++;
    claimed += summary.claimed;
    unrecorded += summary.unrecorded;
    const busy = summary.sequenced > 0 || summary.fannedOut > 0 || summary.claimed > 0;
    if (!busy) await sleep(relayIntervalMs);
  }
  const cpu = process.cpuUsage(cpuAtGo);
  return { type: 'done', rounds, claimed, unrecorded, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
}

serveWorker({ work: relayUntilStopped });
