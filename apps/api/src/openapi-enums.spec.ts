import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OpenAPIObject } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { REMOTE_CALL_RESULTS, REMOTE_INTENTIONS } from '@app/campaign-gateway';
import {
  CallResult,
  CallTaskStatus,
  ContactStatus,
  Intention,
  PauseReason,
  TaskStatus,
  WAITING_FOR_VALUES,
} from '@app/task';
import { buildOpenApiDocument } from './openapi';
import { enumNumbers } from './http/enum-values';
import { TasksController } from './tasks/tasks.controller';
import { TaskExportController } from './tasks/task-export.controller';
import { CallbacksController } from './callbacks/callbacks.controller';
import { ListContactsQueryDto, ListTasksQueryDto } from './tasks/task.dto';

/**
 * The status numbers the platform codes against, as the OpenAPI document states them, against the TypeScript
 * enums the code runs on: a value added to (or dropped from) an enum without the document following fails here.
 */
describe('OpenAPI enums follow the TypeScript enums', () => {
  let app: INestApplication;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    // Only the controllers: the document is built from their metadata; no database, nothing served.
    const moduleRef = await Test.createTestingModule({
      controllers: [TasksController, TaskExportController, CallbacksController],
    })
      .useMocker(() => ({}))
      .compile();
    app = moduleRef.createNestApplication();
    app.setGlobalPrefix('v1');
    doc = buildOpenApiDocument(app);
  });

  afterAll(() => app.close());

  type Schema = { enum?: unknown[]; properties?: Record<string, Schema> };
  const property = (schema: string, name: string): Schema =>
    (doc.components!.schemas![schema] as Schema).properties![name];
  const parameter = (route: string, name: string): Schema => {
    const [method, path] = route.split(' ');
    const operation = (doc.paths[path] as Record<string, { parameters: { name: string; schema: Schema }[] }>)[
      method.toLowerCase()
    ];
    return operation.parameters.find((p) => p.name === name)!.schema;
  };

  /** Every enum of numbers in the document, and where its values come from. */
  type Case = [where: string, read: () => Schema, values: readonly number[]];
  const NUMERIC: Case[] = [
    ['CallResponse.callResult', () => property('CallResponse', 'callResult'), enumNumbers(CallResult)],
    ['CallResponse.intention', () => property('CallResponse', 'intention'), enumNumbers(Intention)],
    ['TaskResponse.status', () => property('TaskResponse', 'status'), enumNumbers(TaskStatus)],
    ['ActiveCampaignResponse.status', () => property('ActiveCampaignResponse', 'status'), enumNumbers(CallTaskStatus)],
    ['ContactResponse.status', () => property('ContactResponse', 'status'), enumNumbers(ContactStatus)],
    ['ContactResponse.callResult', () => property('ContactResponse', 'callResult'), enumNumbers(CallResult)],
    ['ContactResponse.intensionResult', () => property('ContactResponse', 'intensionResult'), enumNumbers(Intention)],
    ['GET /v1/tasks ?status', () => parameter('GET /v1/tasks', 'status'), enumNumbers(TaskStatus)],
    ...['/v1/tasks/{id}/contacts', '/v1/tasks/{id}/contacts.csv'].flatMap((path): Case[] => [
      [`GET ${path} ?status`, () => parameter(`GET ${path}`, 'status'), enumNumbers(ContactStatus)],
      [`GET ${path} ?callResult`, () => parameter(`GET ${path}`, 'callResult'), enumNumbers(CallResult)],
      [`GET ${path} ?intention`, () => parameter(`GET ${path}`, 'intention'), enumNumbers(Intention)],
    ]),
    ['PushedRecordDto.call_result', () => property('PushedRecordDto', 'call_result'), REMOTE_CALL_RESULTS],
    ['PushedRecordDto.intention', () => property('PushedRecordDto', 'intention'), REMOTE_INTENTIONS],
  ];

  it.each(NUMERIC)('%s lists exactly the enum', (_where, read, values) => {
    expect(read().enum).toEqual([...values]);
  });

  // Nullable: OpenAPI 3.0.3 admits null in an enum only when the enum lists it (exactSchemas adds it).
  it.each([
    ['TaskResponse.pauseReason', () => property('TaskResponse', 'pauseReason'), Object.values(PauseReason)],
    ['TaskResponse.waitingFor', () => property('TaskResponse', 'waitingFor'), [...WAITING_FOR_VALUES]],
  ])('%s lists exactly the enum, and null', (_where, read, values) => {
    expect(read().enum).toEqual([...values, null]);
  });

  it('has no other enum of numbers (a new one belongs in the list above)', () => {
    const found: string[] = [];
    for (const [name, schema] of Object.entries(doc.components!.schemas! as Record<string, Schema>)) {
      for (const [field, prop] of Object.entries(schema.properties ?? {})) {
        if (prop.enum?.some((v) => typeof v === 'number')) found.push(`${name}.${field}`);
      }
    }
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(
        methods as Record<string, { parameters?: { name: string; schema: Schema }[] }>,
      )) {
        for (const p of operation.parameters ?? []) {
          if (p.schema.enum?.some((v) => typeof v === 'number'))
            found.push(`${method.toUpperCase()} ${path} ?${p.name}`);
        }
      }
    }
    expect(found.sort()).toEqual(NUMERIC.map(([where]) => where).sort());
  });

  it('the filters take every value of the enum and nothing else, not even a member name', () => {
    const problems = (type: new () => object, query: Record<string, unknown>) =>
      validateSync(plainToInstance(type, query)).flatMap((e) => Object.keys(e.constraints ?? {}));

    for (const status of enumNumbers(TaskStatus))
      expect(problems(ListTasksQueryDto, { status: String(status) })).toEqual([]);
    for (const status of enumNumbers(ContactStatus))
      expect(problems(ListContactsQueryDto, { status: String(status) })).toEqual([]);
    for (const callResult of enumNumbers(CallResult))
      expect(problems(ListContactsQueryDto, { callResult: String(callResult) })).toEqual([]);
    for (const intention of enumNumbers(Intention))
      expect(problems(ListContactsQueryDto, { intention: String(intention) })).toEqual([]);

    expect(problems(ListTasksQueryDto, { status: '7' })).toEqual(['isIn']);
    expect(problems(ListTasksQueryDto, { status: 'Paused' })).not.toEqual([]);
    expect(problems(ListContactsQueryDto, { intention: '5' })).toEqual(['isIn']);
  });
});
