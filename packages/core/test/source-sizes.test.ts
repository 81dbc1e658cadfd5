import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/check-sizes.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dmabuf-sizes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...dirs: string[]) {
  return spawnSync(process.execPath, [script, ...dirs], { encoding: 'utf8', timeout: 60_000 });
}

describe('scripts/check-sizes.mjs (also run by `pnpm lint`)', () => {
  it('finds no source file (src/ and native/) over 400 lines and no class over 300 in any package', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ files, largest .* limit 400\n\d+ classes, largest .* limit 300\n$/);
    expect(r.status).toBe(0);
  });

  it('names a file over 400 lines (TypeScript or C++) and a class over 300, and exits 1', () => {
    const src = join(dir, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'long.ts'), `${'export const x = 1;\n'.repeat(401)}`);
    const body = '  m(): number {\n    return 1;\n  }\n'.repeat(100);
    writeFileSync(join(src, 'big.ts'), `/** A class. */\nexport class Big {\n${body}}\n`);
    writeFileSync(join(src, 'small.ts'), 'export class Small {}\n');
    writeFileSync(join(src, 'long_ops.cc'), `${'int x;\n'.repeat(402)}`);
    const r = run(src);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/over the limit: .*long\.ts: 401 lines \(limit 400\)/);
    expect(r.stderr).toMatch(/over the limit: .*big\.ts Big: 302 lines \(limit 300\)/);
    expect(r.stderr).toMatch(/over the limit: .*long_ops\.cc: 402 lines \(limit 400\)/);
    expect(r.stderr).not.toContain('small.ts');
  });
});
