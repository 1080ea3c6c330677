/**
 * The robot-call simulator in a process of its own (bench/lib/simulator-process.ts starts it), so the pages it
 * serves cost the app under test no CPU of its own event loop: a real platform is another machine. Runs the
 * TypeScript sources through ts-node (transpile only), so it needs no build. The options come as JSON in
 * BENCH_SIMULATOR_OPTIONS (plain values only: no function such as `callMsOf`).
 *
 * IPC out: { type: 'ready', baseUrl } | { type: 'failed', message }. It exits on SIGTERM or when its parent goes.
 */
import { startSimulator, SimulatorOptions } from '../../apps/robot-call-simulator/src';

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_SIMULATOR_OPTIONS ?? '{}') as Partial<SimulatorOptions>;
  const running = await startSimulator(options);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', baseUrl: running.baseUrl });
}

main().catch((error: Error) => {
  process.send?.({ type: 'failed', message: error.message });
  process.exit(1);
});
