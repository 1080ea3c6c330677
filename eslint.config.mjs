// ESLint (flat config): typescript-eslint's recommended-type-checked over all TypeScript, and the module boundaries
// the code relies on (test/module-boundaries.e2e-spec.ts says the same in its own terms; keep the two in step).
// Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Which libs each lib may import: the layering of test/module-boundaries.e2e-spec.ts (ALLOWED_LIB_DEPENDENCIES). */
const ALLOWED_LIB_DEPENDENCIES = {
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
const LIBS = Object.keys(ALLOWED_LIB_DEPENDENCIES);

/**
 * A lib reaches only the libs it may, and those only through their index; an app or a test reaches a lib only through
 * its index (a test may load single migrations, to build the schema as it was before one of them).
 */
const libZones = LIBS.flatMap((lib) =>
  LIBS.filter((other) => other !== lib).map((other) =>
    ALLOWED_LIB_DEPENDENCIES[lib].includes(other)
      ? {
          target: `./libs/${lib}/src`,
          from: `./libs/${other}/src`,
          except: ['./index.ts'],
          message: `import libs/${other} through its index (@app/${other})`,
        }
      : {
          target: `./libs/${lib}/src`,
          from: `./libs/${other}/src`,
          message: `libs/${lib} may not depend on libs/${other} (the layering in eslint.config.mjs; adding an edge is a design decision)`,
        },
  ),
);
const outsideZones = LIBS.flatMap((lib) => [
  {
    target: './apps',
    from: `./libs/${lib}/src`,
    except: ['./index.ts'],
    message: `import libs/${lib} through its index (@app/${lib})`,
  },
  {
    target: './test',
    from: `./libs/${lib}/src`,
    except: lib === 'database' ? ['./index.ts', './migrations'] : ['./index.ts'],
    message: `import libs/${lib} through its index (@app/${lib})`,
  },
]);

/** The task lib's sync engine: entered only through its index, and never reaching above itself. */
const roomZones = [
  {
    target: './libs/task/src/!(sync)/**',
    from: './libs/task/src/sync',
    except: ['./index.ts'],
    message: 'enter libs/task/src/sync through its index',
  },
  {
    target: './libs/task/src/*.ts',
    from: './libs/task/src/sync',
    except: ['./index.ts'],
    message: 'enter libs/task/src/sync through its index',
  },
  ...['usecases', 'task.module.ts', 'index.ts'].map((above) => ({
    target: './libs/task/src/sync',
    from: `./libs/task/src/${above}`,
    message: `the sync room may not import libs/task/src/${above}`,
  })),
];

export default tseslint.config(
  {
    ignores: ['dist/**', 'coverage/**', 'node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // Unused arguments are named with a leading underscore when a signature requires them.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^@app/[^/]+/', message: 'import a lib only through its index (@app/<lib>)' }] },
      ],
      'import-x/no-restricted-paths': ['error', { zones: [...libZones, ...outsideZones, ...roomZones] }],
    },
  },
  {
    // The bench may reach inside a lib: it times a section's steps by wrapping internal classes (not app code).
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
