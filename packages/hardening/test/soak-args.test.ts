import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `pnpm soak -- --phases memfd` (and `pnpm soak:lab -- …`) hand soak.js a leading `--`: it is
// dropped, not refused as a positional argument.
const SOAK = fileURLToPath(new URL('../bin/soak.js', import.meta.url));

describe('soak.js arguments', () => {
  it('takes its options after a leading -- (as pnpm passes them)', () => {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', SOAK, '--', '--phases', 'memfd', '--cycles', '20', '--samples', '4'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('SOAK '));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!.slice(5))).toMatchObject({ cycles: 20 });
  }, 90_000);

  it('still refuses an unknown option', () => {
    const r = spawnSync(process.execPath, [SOAK, '--', '--no-such-option'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-option/);
  }, 90_000);
});
