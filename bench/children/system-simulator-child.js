'use strict';
/**
 * The robot-call simulator in its own process for the system section, so the load generator's CPU is apart from
 * the bench's (the receiver, the sampling). Starts the compiled simulator (startSimulator) with the options the
 * bench sends, and reports what only the platform knows: when each call ended (for freshness) and, on request,
 * which campaigns have results or an end the service has not caught up with yet.
 *
 * IPC in:  { type: 'start', options }   (the simulator's options, and callJitter: see below)
 *          { type: 'probe', id, open: [campaignId, stored][], olderThanMs }
 *          { type: 'exit' }
 * IPC out: { type: 'ready', baseUrl } | { type: 'failed', message }
 *          { type: 'ended', items: [recordId, endedAtMs][] }   (every 250 ms while calls end)
 *          { type: 'probe', id, pending, made, inFlight, campaigns, resultsBehind: campaignId[], endsBehind: campaignId[] }
 */
require('reflect-metadata');
const { join } = require('path');

const build = process.env.BENCH_BUILD_DIR;
const { startSimulator } = require(join(build, 'apps/robot-call-simulator/src/start-simulator'));
const { CallResultPusher } = require(join(build, 'apps/robot-call-simulator/src/push/call-result-pusher.service'));
const { CampaignStore } = require(join(build, 'apps/robot-call-simulator/src/campaigns/campaign-store.service'));

/** CampaignStatus.Finished of the simulator (apps/robot-call-simulator/src/campaigns/campaign-status.ts). */
const FINISHED = 3;

const send = (message) => process.send && process.send(message);
/** Per campaign, when each of its calls ended, in the order its records were appended. */
const endsByCampaign = new Map();
let made = 0;
let unsent = [];
let simulator;

function hook(pusher) {
  const recorded = pusher.recorded.bind(pusher);
  pusher.recorded = (campaignId, record) => {
    const at = Date.now();
    let ends = endsByCampaign.get(campaignId);
    if (!ends) endsByCampaign.set(campaignId, (ends = []));
    ends.push(at);
    made++;
    unsent.push([record.recordId, at]);
    recorded(campaignId, record);
  };
  setInterval(() => {
    if (unsent.length === 0) return;
    send({ type: 'ended', items: unsent });
    unsent = [];
  }, 250).unref();
}

/**
 * For each campaign the service has not closed (with the records it stored of it): its results are behind when
 * the first one it may lack (records are appended in call-end order, so at least one of the first stored + 1 is
 * missing) ended more than olderThanMs ago; its end is behind when the platform finished it that long ago.
 */
function probe(store, pusher, message) {
  const now = Date.now();
  const resultsBehind = [];
  const endsBehind = [];
  for (const [campaignId, stored] of message.open) {
    const ends = endsByCampaign.get(campaignId) || [];
    if (stored < ends.length && now - ends[stored] > message.olderThanMs) resultsBehind.push(campaignId);
    let campaign;
    try {
      campaign = store.get(campaignId);
    } catch {
      continue;
    }
    const lastEnd = ends[ends.length - 1];
    if (
      campaign.status === FINISHED &&
      campaign.inFlightCount === 0 &&
      lastEnd !== undefined &&
      now - lastEnd > message.olderThanMs
    )
      endsBehind.push(campaignId);
  }
  let inFlight = 0;
  const campaigns = store.list();
  for (const c of campaigns) inFlight += c.inFlightCount;
  return {
    type: 'probe',
    id: message.id,
    pending: pusher.view().pending,
    made,
    inFlight,
    campaigns: campaigns.length,
    resultsBehind,
    endsBehind,
  };
}

process.on('message', (message) => {
  if (message.type === 'start') {
    // callJitter (the bench's, not the simulator's): each call lasts callMs × (1 ± jitter), uniformly, so the lines
    // of a campaign, all dialled at its start, do not all end together every callMs (the mean stays callMs).
    const { callJitter, ...options } = message.options;
    if (callJitter > 0) {
      const callMs = options.callMs;
      options.callMsOf = () => Math.round(callMs * (1 - callJitter + 2 * callJitter * Math.random()));
    }
    startSimulator(options).then(
      (running) => {
        simulator = running;
        hook(running.app.get(CallResultPusher));
        send({ type: 'ready', baseUrl: running.baseUrl });
      },
      (error) => send({ type: 'failed', message: String(error && error.stack ? error.stack : error) }),
    );
  }
  if (message.type === 'probe' && simulator) {
    send(probe(simulator.app.get(CampaignStore), simulator.app.get(CallResultPusher), message));
  }
  if (message.type === 'exit') {
    const close = simulator ? simulator.close() : Promise.resolve();
    close.finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
