import { INestApplication, LogLevel } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { createSimulatorApp } from './simulator-app';
import { defaultSimulatorOptions, SimulatorOptions } from './simulator.options';

export interface RunningSimulator {
  /** e.g. `http://127.0.0.1:43512`: the client's `baseUrl`. */
  baseUrl: string;
  apiKey: string;
  options: SimulatorOptions;
  app: INestApplication;
  close(): Promise<void>;
}

/**
 * Starts a simulator in this process on 127.0.0.1 and a free port, for tests and benchmarks. Starts from
 * the defaults (not the environment, so runs are reproducible) plus `overrides`; logs errors and warnings only,
 * or the levels given (a test whose pushes are meant to fail, say, passes the suite's own).
 */
export async function startSimulator(
  overrides: Partial<SimulatorOptions> = {},
  logger: LogLevel[] = ['error', 'warn'],
): Promise<RunningSimulator> {
  const options: SimulatorOptions = { ...defaultSimulatorOptions(), port: 0, ...overrides };
  const app = await createSimulatorApp(options, logger);
  await app.listen(options.port, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: options.apiKey,
    options,
    app,
    close: () => app.close(),
  };
}
