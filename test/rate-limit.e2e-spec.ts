import { asAccount, Harness, signedPushHeaders, startHarness } from './support/harness';
import { grantBot } from './support/factories';
import { ApiError, typed } from './support/api-types';

describe('rate limiting per account', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { THROTTLE_LIMIT: '5', THROTTLE_TTL_SECONDS: '60' } });
    await grantBot(h, 7601);
  });

  afterAll(async () => {
    await h.close();
  });

  it('an account over its budget gets 429 TOO_MANY_REQUESTS; other accounts and the probes are unaffected', async () => {
    const me = asAccount(7601, 1);
    for (let i = 0; i < 5; i++) await h.http().get('/v1/tasks').set(me).expect(200);
    const refused = typed<ApiError>(await h.http().get('/v1/tasks').set(me).expect(429));
    expect(refused.body.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.headers['retry-after']).toBeDefined();

    await h.http().get('/v1/tasks').set(asAccount(7601, 2)).expect(200);
    for (let i = 0; i < 8; i++) await h.http().get('/health/live').expect(200);
  });

  it('forged headers without the service token do not spend that account’s budget', async () => {
    const victim = asAccount(7601, 3);
    for (let i = 0; i < 10; i++) {
      await h
        .http()
        .get('/v1/tasks')
        .set({ ...victim, Authorization: 'Bearer forged-token-xxxxxxxx' });
    }
    await h.http().get('/v1/tasks').set(victim).expect(200);
  });

  it("the platform's signed pushes are not rate-limited (they are not a recruiter's budget), and still checked", async () => {
    // An unknown campaign: each push is authenticated, then answered 404, and none is refused with 429.
    for (let i = 0; i < 12; i++) {
      const body = JSON.stringify({ campaign_id: `cmp_unknown_${i}`, records: [] });
      const res = await h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body);
      expect(res.status).not.toBe(429);
      expect([404, 400]).toContain(res.status);
    }
    const body = JSON.stringify({ campaign_id: 'cmp_unknown', records: [] });
    await h
      .http()
      .post('/v1/callbacks/robot-call')
      .set({ ...signedPushHeaders(body), 'X-Robot-Signature': `sha256=${'0'.repeat(64)}` })
      .send(body)
      .expect(401);
  });
});
