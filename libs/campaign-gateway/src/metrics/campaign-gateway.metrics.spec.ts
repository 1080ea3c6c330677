import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { startSimulator } from '../../../../apps/robot-call-simulator/src';
import { SimulatorHttp } from '../../../../apps/robot-call-simulator/src/test/simulator-http';
import { CampaignGatewayClient } from '../campaign-gateway.client';
import { CampaignGatewayMetrics, GatewayCallOutcome } from './campaign-gateway.metrics';
import { CampaignGatewayModule } from '../campaign-gateway.module';
import { ScriptedReply, ScriptedServer, startScriptedServer } from '../test/scripted-server';
import { RobotCall } from '../wire/robot-call';

class RecordingMetrics extends CampaignGatewayMetrics {
  readonly calls: { call: RobotCall; outcome: GatewayCallOutcome; durationSeconds: number }[] = [];

  observeCall(call: RobotCall, outcome: GatewayCallOutcome, durationSeconds: number): void {
    this.calls.push({ call, outcome, durationSeconds });
  }
}

describe('CampaignGatewayClient metrics (its port)', () => {
  let server: ScriptedServer | undefined;
  let moduleRef: TestingModule | undefined;
  let metrics: RecordingMetrics;

  /** The module binds the port to Prometheus; here it is bound to a recorder instead. */
  async function clientFor(baseUrl: string, timeoutMs = 2000): Promise<CampaignGatewayClient> {
    metrics = new RecordingMetrics();
    moduleRef = await Test.createTestingModule({
      imports: [
        CampaignGatewayModule.register({ baseUrl, apiKey: 'spec-key', timeoutMs, retries: 1, retryBaseDelayMs: 1 }),
      ],
    })
      .overrideProvider(CampaignGatewayMetrics)
      .useValue(metrics)
      .compile();
    moduleRef.useLogger(false);
    Logger.overrideLogger(false);
    return moduleRef.get(CampaignGatewayClient);
  }

  async function clientAgainst(script: (n: number) => ScriptedReply): Promise<CampaignGatewayClient> {
    const scripted = await startScriptedServer(script);
    server = scripted;
    return clientFor(scripted.baseUrl);
  }

  afterEach(async () => {
    await moduleRef?.close();
    await server?.close();
    moduleRef = undefined;
    server = undefined;
  });

  const status = { status: 200, body: { code: 0, message: 'ok', data: { campaign_id: 'cmp_1', status: 1 } } };

  it('counts one call per logical call, retries included, by outcome', async () => {
    const client = await clientAgainst((n) =>
      n === 1 ? { status: 503, body: { code: 50300, message: 'busy', data: null } } : status,
    );

    await client.changeCampaignStatus('cmp_1', 'start');

    expect(metrics.calls).toEqual([
      { call: RobotCall.ChangeStatus, outcome: 'ok', durationSeconds: expect.any(Number) as unknown },
    ]);
    expect(metrics.calls[0].durationSeconds).toBeGreaterThan(0);
  });

  it.each<[string, GatewayCallOutcome, ScriptedReply]>([
    ['a 4xxxx refusal', 'rejected', { status: 404, body: { code: 40400, message: 'not found', data: null } }],
    ['5xxxx after the retries', 'unavailable', { status: 500, body: { code: 50000, message: 'boom', data: null } }],
    ['a dropped connection', 'unavailable', 'destroy'],
    ['an answer that is not an envelope', 'unavailable', { status: 200, raw: '<html>' }],
  ])('%s counts as %s', async (_, outcome, reply) => {
    const client = await clientAgainst(() => reply);

    await expect(client.getCampaignDetail({ campaignId: 'cmp_1' })).rejects.toBeDefined();

    expect(metrics.calls).toEqual([
      { call: RobotCall.Detail, outcome, durationSeconds: expect.any(Number) as unknown },
    ]);
  });

  it('a call nobody answers in time counts as timeout', async () => {
    const simulator = await startSimulator({ apiKey: 'spec-key', callMs: 5 });
    try {
      await SimulatorHttp.of(simulator).setFaults({ timeoutRate: 1, hangMs: 1000 });
      const client = await clientFor(simulator.baseUrl, 100);

      await expect(client.getCampaignDetail({ campaignId: 'cmp_000001' })).rejects.toMatchObject({
        code: 'ROBOT_CALL_TIMEOUT',
      });

      expect(metrics.calls.map((c) => c.outcome)).toEqual(['timeout']);
    } finally {
      await simulator.close();
    }
  });
});
