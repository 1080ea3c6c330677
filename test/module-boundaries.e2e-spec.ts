import { DynamicModule, Logger, Module, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative, resolve, sep } from 'path';
import { ClockModule, configModuleFor, phoneVaultConfig, PhoneVaultModule } from '@app/core';
import { databaseConfig, DatabaseModule } from '@app/database';
import { campaignGatewayConfig, CampaignGatewayModule } from '@app/campaign-gateway';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { StatsModule } from '@app/stats';
import { suppressionConfig, SuppressionModule } from '@app/suppression';
import { taskConfig, TaskModule } from '@app/task';
import {
  EventBatchRenderer,
  EventFeedModule,
  eventsConfig,
  EventsModule,
  FullPhoneSource,
  NewEvent,
  WebhookRelayModule,
  WebhooksModule,
} from '@app/events';
import { TEST_PHONE_KEYS } from './support/phone-keys';
import { createTestDatabase, TestDatabase } from './support/test-database';

/**
 * The module boundaries the code relies on, checked so they cannot erode:
 *  - a lib is imported only through its index (`@app/<lib>`), never by a deep path or a relative path into it;
 *  - each lib depends only on the libs it is allowed to (the layering below: observability and core sit under
 *    the domain, not above it);
 *  - a room of a lib with its own index (the task lib's sync engine, `libs/task/src/sync`) is entered only through
 *    that index by the rest of its lib, and the room does not reach back into the lib's use cases or module;
 *  - only the apps' infrastructure roots are global, and every domain module compiles with those roots alone,
 *    so none relies on another module's global registration.
 */
const ROOT = resolve(__dirname, '..');

/**
 * Which libs each lib may import. Adding an edge is a design decision: say why in its README. ESLint's zones
 * (eslint.config.mjs) are built from the same table, checked below to be equal.
 */
const ALLOWED_LIB_DEPENDENCIES: Record<string, readonly string[]> = {
  core: [],
  database: ['core'],
  observability: ['core'],
  'campaign-gateway': ['core'],
  events: ['core', 'database'],
  'firm-bot-quota': ['core', 'database', 'events'],
  suppression: ['core', 'database'],
  stats: [],
  task: ['core', 'database', 'events', 'campaign-gateway', 'firm-bot-quota', 'suppression', 'stats'],
};

/**
 * Rooms inside a lib with their own narrow index: the rest of the lib imports them only through it, and they never
 * import what sits above them in the lib (its use cases, module and index).
 */
const ROOMS: { dir: string; above: readonly string[] }[] = [
  {
    dir: 'libs/task/src/sync',
    above: ['libs/task/src/usecases', 'libs/task/src/task.module.ts', 'libs/task/src/index.ts'],
  },
];

/** The modules an app registers once at its root and shares with every module: infrastructure, no domain. */
const GLOBAL_ROOTS = [
  'libs/core/src/config/env-namespace.ts', // the app's ConfigModule (configModuleFor)
  'libs/core/src/clock/clock.module.ts',
  'libs/core/src/privacy/phone-vault.module.ts',
  'libs/database/src/database.module.ts',
  'libs/observability/src/observability.module.ts',
  'libs/observability/src/logging/logging.module.ts',
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const FILES = ['apps', 'libs', 'test', 'bench'].flatMap((d) => sourceFiles(join(ROOT, d)));
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The names a lib's index exports: `export { a, b as c }`, `export type {…}`, and what `export *` re-exports. */
function exportedNames(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  const names: string[] = [];
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    names.push(
      ...m[1]
        .split(',')
        .map((n) =>
          n
            .trim()
            .split(/\s+as\s+/)
            .pop()!,
        )
        .filter(Boolean),
    );
  }
  for (const m of text.matchAll(/export\s+\*\s+from\s+'([^']+)'/g))
    names.push(...exportedNames(resolve(join(file, '..'), `${m[1]}.ts`)));
  for (const m of text.matchAll(
    /export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|function|const|let|enum|interface|type)\s+(\w+)/g,
  )) {
    names.push(m[1]);
  }
  return names;
}

/** The lib a repository path belongs to (`libs/<lib>/...`), if any. */
function libOf(path: string): string | undefined {
  const parts = relative(ROOT, path).split(sep);
  return parts[0] === 'libs' ? parts[1] : undefined;
}

/** A stand-in full-number source, so the relay module compiles without the task lib. */
class NoPhones extends FullPhoneSource {
  fullPhone(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

@Module({ providers: [NoPhones], exports: [NoPhones] })
class NoPhonesModule {}

/** A stand-in batch renderer, so the modules hosting the sequencer compile without the task lib. */
class NoEvents implements EventBatchRenderer {
  render(): Promise<NewEvent[][]> {
    return Promise.resolve([]);
  }
}

@Module({ providers: [NoEvents], exports: [NoEvents] })
class NoEventsModule {}

const standInRenderers = { imports: [NoEventsModule], renderers: { records: NoEvents } };

describe('module boundaries', () => {
  it('knows every lib', () => {
    const libs = readdirSync(join(ROOT, 'libs')).filter((d) => statSync(join(ROOT, 'libs', d)).isDirectory());
    expect(libs.sort()).toEqual(Object.keys(ALLOWED_LIB_DEPENDENCIES).sort());
  });

  it("says the same layering as ESLint's import-boundaries zones (eslint.config.mjs)", () => {
    const config = readFileSync(join(ROOT, 'eslint.config.mjs'), 'utf8');
    const literal = /const ALLOWED_LIB_DEPENDENCIES = (\{[\s\S]*?\n\});/.exec(config)?.[1];
    expect(literal).toBeDefined();
    // The config's table is a plain object literal of strings and arrays of strings: read as JSON once quoted.
    const json = literal!
      .replace(/'/g, '"')
      .replace(/^(\s*)([\w]+):/gm, '$1"$2":')
      .replace(/,(\s*[}\]])/g, '$1');
    const eslintTable = JSON.parse(json) as Record<string, string[]>;
    expect(eslintTable).toEqual(ALLOWED_LIB_DEPENDENCIES);
  });

  it("lists every export of a lib's index in its README, one line each", () => {
    const missing: string[] = [];
    for (const lib of Object.keys(ALLOWED_LIB_DEPENDENCIES)) {
      const readme = readFileSync(join(ROOT, 'libs', lib, 'README.md'), 'utf8');
      for (const name of exportedNames(join(ROOT, 'libs', lib, 'src', 'index.ts'))) {
        if (!new RegExp(`^- \`${name}\``, 'm').test(readme))
          missing.push(`libs/${lib}/README.md lacks a line "- \`${name}\`: …"`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('imports a lib only through its index', () => {
    const offences: string[] = [];
    // The bench may reach inside a lib: it times a section's steps by wrapping internal classes (not app code).
    for (const file of FILES.filter((f) => !relative(ROOT, f).startsWith(`bench${sep}`))) {
      const home = libOf(file);
      for (const spec of importsOf(file)) {
        if (/^@app\/[^/]+\//.test(spec))
          offences.push(`${relative(ROOT, file)}: ${spec} (deep import; use the lib's index)`);
        if (!spec.startsWith('.')) continue;
        const target = resolve(join(file, '..'), spec);
        const targetLib = libOf(target);
        // A test may load single migrations, to build the schema as it was before one of them.
        const migration =
          relative(ROOT, target).split(sep).join('/').startsWith('libs/database/src/migrations/') && !home;
        if (targetLib && targetLib !== home && !migration)
          offences.push(`${relative(ROOT, file)}: ${spec} (reaches into libs/${targetLib}; use @app/${targetLib})`);
      }
    }
    expect(offences).toEqual([]);
  });

  it("enters a lib's rooms only through their index, and a room never reaches above itself", () => {
    const offences: string[] = [];
    const rel = (p: string) => relative(ROOT, p).split(sep).join('/');
    for (const room of ROOMS) {
      expect(statSync(join(ROOT, room.dir, 'index.ts')).isFile()).toBe(true);
      for (const file of FILES.filter((f) => libOf(f) === libOf(join(ROOT, room.dir)))) {
        const inside = rel(file).startsWith(`${room.dir}/`);
        for (const spec of importsOf(file).filter((x) => x.startsWith('.'))) {
          const target = rel(resolve(join(file, '..'), spec));
          if (!inside && target.startsWith(`${room.dir}/`))
            offences.push(`${rel(file)}: ${spec} (use ${room.dir}'s index)`);
          if (inside && room.above.some((a) => target === a.replace(/\.ts$/, '') || target.startsWith(`${a}/`))) {
            offences.push(`${rel(file)}: ${spec} (the room ${room.dir} may not import ${target})`);
          }
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('keeps each lib to the libs it may depend on', () => {
    const offences: string[] = [];
    for (const file of FILES) {
      const home = libOf(file);
      if (!home) continue;
      for (const spec of importsOf(file)) {
        const used = /^@app\/([^/]+)/.exec(spec)?.[1];
        if (used && used !== home && !ALLOWED_LIB_DEPENDENCIES[home].includes(used)) {
          offences.push(`${relative(ROOT, file)}: libs/${home} may not depend on @app/${used}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('makes only the infrastructure roots global', () => {
    const globals = FILES.filter((f) => !f.endsWith('.spec.ts') && !relative(ROOT, f).startsWith('test'))
      .filter((f) => /@Global\(\)|\bglobal:\s*true|isGlobal:\s*true/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f).split(sep).join('/'));
    expect(globals.sort()).toEqual([...GLOBAL_ROOTS].sort());
  });

  describe('each domain module compiles with the infrastructure roots alone', () => {
    let db: TestDatabase;
    const saved = { ...process.env };

    beforeAll(async () => {
      db = await createTestDatabase();
      Object.assign(process.env, {
        ...db.env,
        ...TEST_PHONE_KEYS,
        ROBOT_CALL_BASE_URL: 'http://127.0.0.1:9',
        ROBOT_CALL_API_KEY: 'boundaries-robot-key',
        ROBOT_CALL_CALLBACK_SECRET: 'boundaries-callback-secret',
      });
      Logger.overrideLogger(false);
    });

    afterAll(async () => {
      process.env = saved;
      await db?.drop();
    });

    /** The roots an app registers, with every lib's configuration namespace loaded (as the apps load theirs). */
    const roots = () => [
      configModuleFor([
        databaseConfig,
        phoneVaultConfig,
        campaignGatewayConfig,
        taskConfig,
        suppressionConfig,
        eventsConfig,
      ]),
      DatabaseModule.forRootFromConfig(),
      ClockModule,
      PhoneVaultModule,
    ];

    const modules: [string, () => DynamicModule | Type<unknown>][] = [
      ['TaskModule', () => TaskModule.forRoot()],
      ['StatsModule', () => StatsModule],
      ['EventsModule', () => EventsModule],
      ['EventFeedModule', () => EventFeedModule.forRoot({ batchRenderers: standInRenderers })],
      ['WebhooksModule', () => WebhooksModule],
      [
        'WebhookRelayModule',
        () =>
          WebhookRelayModule.forRoot({
            fullPhones: { imports: [NoPhonesModule], useExisting: NoPhones },
            batchRenderers: standInRenderers,
          }),
      ],
      ['SuppressionModule', () => SuppressionModule],
      ['FirmBotQuotaModule', () => FirmBotQuotaModule],
      [
        'CampaignGatewayModule',
        () =>
          CampaignGatewayModule.register({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', timeoutMs: 100, retries: 0 }),
      ],
    ];

    it.each(modules)('%s', async (_name, module) => {
      const moduleRef = await Test.createTestingModule({ imports: [...roots(), module()] }).compile();
      await moduleRef.close();
    });
  });
});
