import { createHmac } from 'crypto';
import { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ApiModule } from '../apps/api/src/api.module';
import { configureApi } from '../apps/api/src/bootstrap';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { ADMIN_TOKEN, SERVICE_TOKEN } from './support/harness';
import { TEST_PHONE_KEYS } from './support/phone-keys';
import { checkedClient, ContractValidator, OpenApiDocument } from './support/contract';
import { ApiError, bodyOf } from './support/api-types';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** Each case boots the apps from this environment alone: nothing of the suite's own settings leaks in. */
function withEnv(env: Record<string, string>): void {
  for (const name of Object.keys(process.env)) {
    if (/^(DATABASE_URL|SQLITE_PATH|ROBOT_CALL_|PHONE_|SERVICE_TOKEN|ADMIN_TOKEN)/.test(name)) delete process.env[name];
  }
  Object.assign(process.env, { LOG_LEVEL: 'error', ...env });
}

describe('configuration at boot', () => {
  const saved = process.env;
  beforeEach(() => (process.env = { ...saved }));
  afterAll(() => (process.env = saved));

  describe('with a DATABASE_URL', () => {
    // Never reached: validation refuses the configuration before anything connects.
    const production = {
      DATABASE_URL: 'mysql://aiv:secret@127.0.0.1:1/aiv',
      SERVICE_TOKEN,
      ADMIN_TOKEN,
      ...TEST_PHONE_KEYS,
    };

    it('the API refuses to start without the robot-call secrets, naming each', async () => {
      withEnv(production);

      const boot = Test.createTestingModule({ imports: [ApiModule.forRoot()] }).compile();

      await expect(boot).rejects.toThrow(
        /Invalid configuration:[\s\S]*ROBOT_CALL_API_KEY must be set when DATABASE_URL is set/,
      );
      await expect(boot).rejects.toThrow(/ROBOT_CALL_CALLBACK_SECRET must be set when DATABASE_URL is set/);
    });

    it('the worker refuses to start without ROBOT_CALL_API_KEY', async () => {
      withEnv(production);

      const boot = Test.createTestingModule({ imports: [WorkerModule.forRoot({ scheduled: false })] }).compile();

      await expect(boot).rejects.toThrow(/ROBOT_CALL_API_KEY must be set when DATABASE_URL is set/);
    });
  });

  describe('with the embedded database and no configuration but the tokens', () => {
    let db: TestDatabase;
    let api: INestApplication;

    beforeAll(async () => {
      db = await createTestDatabase({ server: '' });
    });

    afterAll(async () => {
      await api?.close();
      await db.drop();
    });

    it('the API starts and accepts pushes signed with the development secret (what the local simulator signs with)', async () => {
      withEnv({ SQLITE_PATH: db.env.SQLITE_PATH, SERVICE_TOKEN, ADMIN_TOKEN });
      const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot()] }).compile();
      api = configureApi(moduleRef.createNestApplication({ bodyParser: false, logger: ['error'] }));
      await api.init();
      // Checked against the served document, as the harness's client checks every response.
      const contract = new ContractValidator(
        bodyOf<OpenApiDocument>(
          await request(api.getHttpServer() as Server)
            .get('/docs-json')
            .expect(200),
        ),
      );
      const http = checkedClient(api.getHttpServer() as Server, () => contract, []);
      const push = (secret: string) => {
        const body = JSON.stringify({ campaign_id: 'no-such-campaign', records: [] });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
        return http()
          .post('/v1/callbacks/robot-call')
          .set({
            'Content-Type': 'application/json',
            'X-Robot-Timestamp': timestamp,
            'X-Robot-Signature': `sha256=${signature}`,
          })
          .send(body);
      };

      expect(bodyOf<ApiError>(await push('another-secret-0123')).code).toBe('CALLBACK_SIGNATURE_INVALID');
      // Past the signature check, the body's own validation answers (an empty push is refused there).
      expect(bodyOf<ApiError>(await push('dev-callback-secret')).code).toBe('VALIDATION_FAILED');
      expect(process.env.ROBOT_CALL_CALLBACK_SECRET).toBeUndefined();
    });
  });
});
