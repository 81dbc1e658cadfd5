import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/check-cycles.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dmabuf-cycles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...dirs: string[]) {
  return spawnSync(process.execPath, [script, ...dirs], { encoding: 'utf8', timeout: 60_000 });
}

describe('scripts/check-cycles.mjs (also run by `pnpm lint`)', () => {
  it('finds no import circle in the sources of any package', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^no import circles: \d+ files in \d+ source folder\(s\)/);
    expect(r.status).toBe(0);
  });

  it('names the files of a circle, type-only imports included, and exits 1', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.ts'), "import { b } from './sub/b.js';\nexport const a = () => b;\n");
    writeFileSync(join(src, 'sub', 'b.ts'), "import type { C } from '../c.js';\nexport const b: C = 1;\n");
    writeFileSync(join(src, 'c.ts'), "export type { a } from './a.js';\nexport type C = number;\n");
    writeFileSync(
      join(src, 'd.ts'),
      "// import { a } from './a.js';\nimport { b } from './sub/b.js';\nexport { b };\n",
    );
    const r = run(src);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('import circle');
    expect(r.stderr).toContain('(3 files)');
    for (const f of ['a.ts', 'sub/b.ts', 'c.ts']) expect(r.stderr).toContain(f);
    expect(r.stderr).not.toContain('d.ts');
  });
});
