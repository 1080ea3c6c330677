import { Test } from '@nestjs/testing';
import axios from 'axios';
import { startSimulator } from '../../../apps/robot-call-simulator/src';
import { CampaignGatewayClient } from './campaign-gateway.client';
import { CampaignGatewayModule } from './campaign-gateway.module';
import { RobotCallCircuitOpenError, RobotCallUnavailableError } from './errors/robot-call-errors';

describe('circuit breaker in front of the robot-call platform', () => {
  it('stops hammering a platform that is down, and closes again by itself when it answers', async () => {
    const simulator = await startSimulator({ apiKey: 'k', callMs: 5 });
    const admin = { headers: { Authorization: 'Bearer k' } };
    const moduleRef = await Test.createTestingModule({
      imports: [
        CampaignGatewayModule.register({
          baseUrl: simulator.baseUrl,
          apiKey: 'k',
          timeoutMs: 1000,
          retries: 0,
          breakerResetMs: 300,
          breakerVolumeThreshold: 4,
        }),
      ],
    }).compile();
    const sut = moduleRef.get(CampaignGatewayClient);
    const requests = async () => {
      const answer = await axios.get<{ data: Record<string, number> }>(
        `${simulator.baseUrl}/_simulator/requests`,
        admin,
      );
      return Object.values(answer.data.data).reduce((a, b) => a + Number(b), 0);
    };
    const detail = () => sut.getCampaignDetail({ campaignId: 'cmp_x' });
    try {
      await axios.put(`${simulator.baseUrl}/_simulator/faults`, { errorRate: 1 }, admin);
      expect(sut.circuitOpen).toBe(false);
      for (let i = 0; i < 4; i++) await expect(detail()).rejects.toBeInstanceOf(RobotCallUnavailableError);
      const before = await requests();
      for (let i = 0; i < 20; i++) await expect(detail()).rejects.toBeInstanceOf(RobotCallCircuitOpenError);
      expect(await requests()).toBe(before); // failing fast: not one request reached the platform
      expect(sut.circuitOpen).toBe(true);

      await axios.put(`${simulator.baseUrl}/_simulator/faults`, { errorRate: 0 }, admin);
      await new Promise((r) => setTimeout(r, 350));
      // The trial call goes through (campaign unknown: a refusal, which is the platform working) and closes it.
      await expect(detail()).rejects.toMatchObject({ code: 'ROBOT_CALL_REJECTED' });
      await expect(detail()).rejects.toMatchObject({ code: 'ROBOT_CALL_REJECTED' });
      expect(await requests()).toBe(before + 2);
      expect(sut.circuitOpen).toBe(false);
    } finally {
      await moduleRef.close();
      await simulator.close();
    }
  });
});
