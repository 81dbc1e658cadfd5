import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/setup.sh's long steps (pnpm install, the build) through `logged`:
// one line each, the whole output in a log file, its end shown on failure.
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const logs = mkdtempSync(join(tmpdir(), 'setup-logged-test-'));
afterAll(() => rmSync(logs, { recursive: true, force: true }));

function step(script: string, verbose = false) {
  const env: NodeJS.ProcessEnv = { ...process.env, DMABUF_SETUP_LOGS: logs };
  if (verbose) env.DMABUF_SETUP_VERBOSE = '1';
  else delete env.DMABUF_SETUP_VERBOSE;
  return spawnSync('bash', ['-c', `set -euo pipefail; source scripts/logged.sh; ${script}; echo after`], {
    cwd: repo,
    env,
    encoding: 'utf8',
  });
}

describe('setup steps print progress lines, not compiler logs', () => {
  it('a step that works: one line naming its log; the output is in the log only', () => {
    const r = step("logged build bash -c 'for i in 1 2 3; do echo gyp info line $i; done; echo warn >&2'");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^setup: build done in \\d+ s \\(log: ${logs}/setup-build.log\\)\\nafter\\n$`),
    );
    expect(r.stderr).toBe('');
    expect(readFileSync(join(logs, 'setup-build.log'), 'utf8')).toBe(
      'gyp info line 1\ngyp info line 2\ngyp info line 3\nwarn\n',
    );
  });

  it('a step that fails: its exit code, the end of its log on stderr, and setup stops', () => {
    const r = step('logged install bash -c \'seq 1 100; echo "g++: error: no such file" >&2; exit 3\'');
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('setup: install failed (exit 3)');
    expect(lines[1]).toBe(`setup: the last lines of ${logs}/setup-install.log:`);
    expect(lines.slice(2)).toHaveLength(40);
    expect(lines.at(-1)).toBe('  g++: error: no such file');
    expect(lines[2]).toBe('  62');
  });

  it('DMABUF_SETUP_VERBOSE=1 shows the output as it comes', () => {
    const r = step('logged build echo compiler says hi', true);
    expect(r.stdout).toMatch(/^compiler says hi\nsetup: build done in \d+ s\nafter\n$/);
  });
});
