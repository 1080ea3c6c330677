import { asAccount, Harness, startHarness } from './support/harness';
import { ALWAYS, createTask, grantBot, mobiles } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { bodyOf, ContactPageResponse, TaskResponse } from './support/api-types';

const FIRM = 7601;
const ROUNDS = 8;

/** Polls the simulator until every campaign has dialled all its contacts. */
async function dialledOut(h: Harness, campaignIds: string[]) {
  for (let i = 0; i < 200; i++) {
    const truth = await groundTruth(h.simulator.baseUrl, campaignIds);
    if (truth.campaigns.length === campaignIds.length && truth.campaigns.every((c) => c.status === 3)) return truth;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`campaigns ${campaignIds.join(', ')} did not finish dialling`);
}

describe('cooling across tasks: a number two tasks of one firm hold is dialled once', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      simulator: { connectRate: 1, intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 }, callMs: 5 },
    });
    await grantBot(h, FIRM, { botTaskNum: 2 * ROUNDS + 10 });
  });

  afterAll(async () => {
    await h.close();
  });

  it('both tasks started at once: exactly one campaign dials each shared number, the other task skips it as cooling', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const base = 10_000 + round * 100;
      const shared = mobiles(4, base);
      // Each task also has numbers of its own, so both always open a campaign.
      const body = (own: string[]) => ({
        contacts: [...shared, ...own].map((phone) => ({ phone })),
        batchSize: 50,
        callWindow: ALWAYS,
      });
      const a = await createTask(h, FIRM, 1, body(mobiles(2, base + 10)));
      const b = await createTask(h, FIRM, 2, body(mobiles(2, base + 20)));

      const [startedA, startedB] = await Promise.all([
        h.http().post(`/v1/tasks/${a}/start`).set(asAccount(FIRM, 1)),
        h.http().post(`/v1/tasks/${b}/start`).set(asAccount(FIRM, 2)),
      ]);
      expect([startedA.status, startedB.status]).toEqual([200, 200]);
      const campaignIds = [
        bodyOf<TaskResponse>(startedA).activeCampaign!.campaignId!,
        bodyOf<TaskResponse>(startedB).activeCampaign!.campaignId!,
      ];

      const truth = await dialledOut(h, campaignIds);
      for (const phone of shared)
        expect({ round, phone, dials: truth.dialsByPhone[`+86${phone}`] ?? 0 }).toEqual({ round, phone, dials: 1 });
      // Between them the two campaigns held every number once: the shared ones went to one task or the other.
      expect(
        bodyOf<TaskResponse>(startedA).activeCampaign!.contactCount +
          bodyOf<TaskResponse>(startedB).activeCampaign!.contactCount,
      ).toBe(shared.length + 4);

      const skipped = [
        ...bodyOf<ContactPageResponse>(
          await h.http().get(`/v1/tasks/${a}/contacts?status=4`).set(asAccount(FIRM, 1)).expect(200),
        ).items,
        ...bodyOf<ContactPageResponse>(
          await h.http().get(`/v1/tasks/${b}/contacts?status=4`).set(asAccount(FIRM, 2)).expect(200),
        ).items,
      ];
      expect(skipped.map((c) => c.skipReason)).toEqual(Array(shared.length).fill('cooling'));
    }
  });
});
