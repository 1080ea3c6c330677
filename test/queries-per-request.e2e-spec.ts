import { DataSource } from 'typeorm';
import { asAccount, Harness, startHarness } from './support/harness';
import { createTask, grantBot } from './support/factories';

/**
 * The statements the API sends for its hottest reads, counted at TypeORM's query runner (every statement of the
 * API's DataSource passes its logger): a budget, so a read added to the ownership guard or a use case shows
 * here before it shows in the bench (bench/README.md, "API").
 */
const FIRM = 7801;
const OWNER = 1;

describe('statements per request', () => {
  let h: Harness;
  let taskId: string;
  let statements: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    await grantBot(h, FIRM);
    taskId = await createTask(h, FIRM, OWNER);
    const logger = h.api.get(DataSource).logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      statements.push(query);
      return logQuery(query, parameters, runner) as unknown;
    };
  });

  afterAll(async () => {
    await h?.close();
  });

  async function statementsOf(send: () => Promise<unknown>): Promise<string[]> {
    await send(); // once before, so nothing paid once per process (metadata, a new connection) is counted
    statements = [];
    await send();
    return statements;
  }

  it('GET /v1/me: none (the service-token guard reads only headers)', async () => {
    const sent = await statementsOf(() => h.http().get('/v1/me').set(asAccount(FIRM, OWNER)).expect(200));
    expect(sent).toEqual([]);
  });

  it('GET /v1/tasks/:id/stats: one, the counters (the owner of a task is read once per process)', async () => {
    const sent = await statementsOf(() =>
      h.http().get(`/v1/tasks/${taskId}/stats`).set(asAccount(FIRM, OWNER)).expect(200),
    );
    expect(sent).toEqual([expect.stringMatching(/FROM ai_visitor_task_stats /)]);
  });

  it('GET /v1/tasks/:id/contacts/:contactId/calls: one, the contact in its task with its calls and what was said', async () => {
    const contacts = await h.http().get(`/v1/tasks/${taskId}/contacts`).set(asAccount(FIRM, OWNER)).expect(200);
    const [contact] = (contacts.body as { items: { id: string }[] }).items;
    const sent = await statementsOf(() =>
      h.http().get(`/v1/tasks/${taskId}/contacts/${contact.id}/calls`).set(asAccount(FIRM, OWNER)).expect(200),
    );
    expect(sent).toEqual([
      expect.stringMatching(
        /FROM ai_visitor_list c\s+LEFT JOIN ai_visitor_call_record r ON r.contact_id = c.id\s+LEFT JOIN call_conversation v/,
      ),
    ]);
  });

  it("a refusal reads nothing either once the task's owner is known", async () => {
    const sent = await statementsOf(() =>
      h
        .http()
        .get(`/v1/tasks/${taskId}/stats`)
        .set(asAccount(FIRM, OWNER + 1))
        .expect(403),
    );
    expect(sent).toEqual([]);
  });

  it('a task not found is read each time (it may be created next)', async () => {
    const sent = await statementsOf(() =>
      h.http().get('/v1/tasks/987654321/stats').set(asAccount(FIRM, OWNER)).expect(404),
    );
    expect(sent).toEqual([expect.stringMatching(/FROM ["`]?ai_visitor_task["`]? /)]);
  });
});
