import { Test } from '@nestjs/testing';
import { ConfigType } from '@nestjs/config';
import { configModuleFor } from '@app/core';
import { RunningSimulator, startSimulator } from '../../../apps/robot-call-simulator/src';
import { SimulatorHttp, testContacts } from '../../../apps/robot-call-simulator/src/test/simulator-http';
import { campaignGatewayConfig } from './campaign-gateway.config';
import { CampaignGatewayClient } from './campaign-gateway.client';
import { CampaignGatewayModule } from './campaign-gateway.module';
import { CampaignDetail, RemoteCallRecord, RemoteCampaignStatus } from './campaign-gateway.types';
import { RobotCallRejectedError } from './errors/robot-call-errors';
import { gatewayFor, GatewayUnderTest } from './test/gateway-module';
import { rejectionOf } from './test/rejection-of';

describe('CampaignGatewayClient against the simulator', () => {
  let simulator: RunningSimulator;
  let truth: SimulatorHttp;
  let gateway: GatewayUnderTest;
  let sut: CampaignGatewayClient;

  beforeAll(async () => {
    simulator = await startSimulator({ apiKey: 'spec-key', callMs: 5, parallelism: 4 });
    truth = SimulatorHttp.of(simulator);
    gateway = await gatewayFor(simulator.baseUrl);
    sut = gateway.client;
  });

  afterAll(async () => {
    await gateway.close();
    await simulator.close();
  });

  beforeEach(() => truth.reset());

  const input = (requestId = 'req-1', contactCount = 9) => ({
    requestId,
    name: 'task 1 batch 1',
    scriptId: 'script-recruit-v1',
    contacts: testContacts(contactCount).map((c, i) => (i === 0 ? { ...c, name: '张三' } : c)),
  });

  async function readAll(
    campaignId: string,
    limit: number,
  ): Promise<{ last: CampaignDetail; records: RemoteCallRecord[] }> {
    const records: RemoteCallRecord[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await sut.getCampaignDetail({ campaignId, cursor, limit });
      records.push(...page.records);
      cursor = page.nextCursor;
      if (page.status === RemoteCampaignStatus.Finished && !page.hasMore) return { last: page, records };
      if (!page.hasMore) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('adds a campaign, idempotently by request id', async () => {
    const created = await sut.addCampaign(input());
    const again = await sut.addCampaign(input());

    expect(created).toEqual({
      campaignId: expect.stringMatching(/^cmp_/) as unknown,
      status: RemoteCampaignStatus.New,
      contactCount: 9,
      created: true,
    });
    expect(again).toEqual({ ...created, created: false });
    expect(await truth.campaigns()).toHaveLength(1);
  });

  it('starts, pauses and stops a campaign', async () => {
    const { campaignId } = await sut.addCampaign(input('req-1', 200));

    expect(await sut.changeCampaignStatus(campaignId, 'start')).toEqual({
      campaignId,
      status: RemoteCampaignStatus.Running,
    });
    expect(await sut.changeCampaignStatus(campaignId, 'pause')).toEqual({
      campaignId,
      status: RemoteCampaignStatus.Paused,
    });
    expect(await sut.changeCampaignStatus(campaignId, 'stop')).toEqual({
      campaignId,
      status: RemoteCampaignStatus.Finished,
    });
  });

  it('pages through every call record, mapped to camelCase with Dates', async () => {
    const { campaignId } = await sut.addCampaign(input());
    await sut.changeCampaignStatus(campaignId, 'start');

    const { last, records } = await readAll(campaignId, 2);

    expect(last).toMatchObject({
      campaignId,
      status: RemoteCampaignStatus.Finished,
      contactCount: 9,
      dialledCount: 9,
      hasMore: false,
    });
    expect(records.map((r) => r.ref).sort()).toEqual(
      input()
        .contacts.map((c) => c.ref)
        .sort(),
    );
    const groundTruth = await truth.truth(campaignId);
    expect(records).toEqual(
      groundTruth.records.map((r) => ({
        recordId: r.record_id,
        ref: r.ref,
        callResult: r.call_result,
        failReason: r.fail_reason,
        intention: r.intention,
        durationSec: r.duration_sec,
        calledAt: new Date(r.called_at),
        // The conversation, when the platform gives one (the simulator does for connected calls).
        recordingUrl: r.recording_url ?? null,
        transcript: r.transcript ?? null,
        summary: r.summary ?? null,
      })),
    );
    expect(records[0].calledAt).toBeInstanceOf(Date);
  });

  it('reads the first page when no cursor is given', async () => {
    const { campaignId } = await sut.addCampaign(input());

    const page = await sut.getCampaignDetail({ campaignId });

    expect(page).toEqual({
      campaignId,
      status: RemoteCampaignStatus.New,
      contactCount: 9,
      dialledCount: 0,
      records: [],
      nextCursor: '0',
      hasMore: false,
    });
  });

  it('raises RobotCallRejectedError with the remote code, without retrying, for 4xxxx refusals', async () => {
    const stopped = (await sut.addCampaign(input('req-2'))).campaignId;
    await sut.changeCampaignStatus(stopped, 'stop');
    const before = await truth.requests();

    const unknown = sut.changeCampaignStatus('cmp_missing', 'start');
    const notAllowed = sut.changeCampaignStatus(stopped, 'start');
    const reused = sut.addCampaign({ ...input('req-2'), scriptId: 'another-script' });

    await expect(unknown).rejects.toMatchObject({ code: 'ROBOT_CALL_REJECTED', remoteCode: 40400 });
    await expect(notAllowed).rejects.toMatchObject({ remoteCode: 40900 });
    await expect(reused).rejects.toBeInstanceOf(RobotCallRejectedError);
    await expect(reused).rejects.toMatchObject({ remoteCode: 42200 });
    const after = await truth.requests();
    expect(after.robot_call_campaign_change_status - before.robot_call_campaign_change_status).toBe(2);
    expect(after.robot_call_campaign_add - before.robot_call_campaign_add).toBe(1);
  });

  it('raises RobotCallRejectedError 40100 for a wrong API key', async () => {
    const wrongKey = await gatewayFor(simulator.baseUrl, { apiKey: 'wrong' });
    try {
      await expect(wrongKey.client.addCampaign(input())).rejects.toMatchObject({ remoteCode: 40100 });
    } finally {
      await wrongKey.close();
    }
  });

  it('refuses an invalid contact with 40000 and an error message that shows no phone number', async () => {
    const bad = { ...input(), contacts: [{ ref: 'a', phone: '+86 138 0013 8000' }] };

    const error = await rejectionOf(sut.addCampaign(bad));

    expect(error).toMatchObject({ code: 'ROBOT_CALL_REJECTED', remoteCode: 40000 });
    expect(error.message).toContain('contacts.0.phone');
    expect(JSON.stringify({ message: error.message, details: (error as RobotCallRejectedError).details })).not.toMatch(
      /\d{7,}|138 0013/,
    );
  });

  it('registers from its typed configuration (the ROBOT_CALL_* variables)', async () => {
    const saved = process.env;
    process.env = {
      ...saved,
      DATABASE_URL: '',
      ROBOT_CALL_BASE_URL: simulator.baseUrl,
      ROBOT_CALL_API_KEY: 'spec-key',
      ROBOT_CALL_TIMEOUT_MS: '3000',
    };
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [configModuleFor([campaignGatewayConfig]), CampaignGatewayModule.forRootFromConfig()],
      }).compile();
      try {
        expect(moduleRef.get<ConfigType<typeof campaignGatewayConfig>>(campaignGatewayConfig.KEY)).toMatchObject({
          apiKey: 'spec-key',
          timeoutMs: 3000,
        });
        const added = await moduleRef.get(CampaignGatewayClient).addCampaign(input('req-async'));
        expect(added.created).toBe(true);
      } finally {
        await moduleRef.close();
      }
    } finally {
      process.env = saved;
    }
  });

  it('refuses invalid options when the module is built', async () => {
    const building = Test.createTestingModule({
      imports: [CampaignGatewayModule.register({ baseUrl: 'not a url', apiKey: '', timeoutMs: 0, retries: -1 })],
    }).compile();

    await expect(building).rejects.toThrow(/baseUrl.*apiKey.*timeoutMs.*retries/);
  });

  it('keeps registrations independent', async () => {
    const other = await gatewayFor('http://127.0.0.1:1', { retries: 0 });
    try {
      expect(other.axios).not.toBe(gateway.axios);
      await expect(sut.addCampaign(input())).resolves.toMatchObject({ created: true });
    } finally {
      await other.close();
    }
  });
});
