import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

// The layer rules live in .dependency-cruiser.cjs (README, "Layers"); this test runs them on every `npm test`,
// and runs them on a small tree with one forbidden import of each kind, so a rule that stops matching fails too.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = ['schemas', 'kernel', 'model', 'processors', 'stream', 'app', 'infra'];
const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as {
  forbidden: unknown[];
  options: Record<string, unknown>;
};

async function violations(baseDir: string, tsConfig?: string): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(baseDir); // dependency-cruiser reports and matches paths relative to the working directory
  try {
    const { output } = await cruise(
      SOURCE.filter((d) => existsSync(join(baseDir, d))),
      {
        ...config.options,
        ...(tsConfig ? { tsConfig: { fileName: tsConfig } } : { tsConfig: undefined }),
        validate: true,
        ruleSet: { forbidden: config.forbidden },
      } as never,
    );
    const result = output as ICruiseResult;
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  } finally {
    process.chdir(cwd);
  }
}

describe('architecture: dependencies point one way', () => {
  it('holds for every import of the project', async () => {
    expect(await violations(ROOT, 'tsconfig.json')).toEqual([]);
  }, 60_000);

  const tree = mkdtempSync(join(tmpdir(), 'pfm-layers-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  };

  it('catches an import of each forbidden kind', async () => {
    // one forbidden import per rule, each to a leaf, so no cycle but the one made on purpose
    file('schemas/reading.ts', "import { E } from '../kernel/leaf.js';\nexport const r = E;\n");
    file('kernel/errors.ts', "import { P } from '../processors/leaf.js';\nexport const e = P;\n");
    file('kernel/leaf.ts', 'export const E = 1;\n');
    file('model/scorer.ts', "import { P } from '../processors/leaf.js';\nexport const s = P;\n");
    file('model/leaf.ts', 'export const M = 1;\n');
    file('processors/x.ts', "import { S } from '../stream/leaf.js';\nexport const x = S;\n");
    file('processors/leaf.ts', 'export const P = 1;\n');
    file('processors/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
    file('processors/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
    file('processors/drift/constants.ts', 'export const SOURCE = 1;\n');
    file('stream/sim.ts', "import { M } from '../model/leaf.js';\nexport const sim = M;\n");
    file('stream/leaf.ts', 'export const S = 1;\n');
    file(
      'app/main.ts',
      "import { P } from '../processors/leaf.js';\nimport { S } from '../stream/leaf.js';\nexport const m = [P, S];\n",
    );
    file(
      'infra/stack.ts',
      "import { SOURCE } from '../processors/drift/constants.js';\nimport { P } from '../processors/leaf.js';\nexport const st = [SOURCE, P];\n",
    );
    expect(await violations(tree)).toEqual(
      [
        'schemas-imports-only-itself: schemas/reading.ts -> kernel/leaf.ts',
        'kernel-imports-only-itself: kernel/errors.ts -> processors/leaf.ts',
        'model-imports-only-schemas-kernel: model/scorer.ts -> processors/leaf.ts',
        'processors-imports-only-schemas-kernel-model: processors/x.ts -> stream/leaf.ts',
        'stream-imports-only-schemas-kernel: stream/sim.ts -> model/leaf.ts',
        'infra-imports-configuration-only: infra/stack.ts -> processors/leaf.ts',
        'no-circular: processors/a.ts -> processors/b.ts',
      ].sort(),
    );
  }, 60_000);
});
