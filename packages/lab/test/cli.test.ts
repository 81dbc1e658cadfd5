import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/cli-args.js';

// The dmabuf-lab command as a user runs it: its own process, its exit code,
// and nothing left behind (TMPDIR and the lab cache are fresh folders that
// must stay empty: no run folder, no provisioning).
const BIN = new URL('../bin/dmabuf-lab.js', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lab(...argv: string[]) {
  const tmp = mkdtempSync(join(tmpdir(), 'lab-cli-test-'));
  made.push(tmp);
  for (const d of ['tmp', 'cache']) mkdirSync(join(tmp, d));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: join(tmp, 'tmp'),
    DMABUF_LAB_CACHE: join(tmp, 'cache'),
  };
  delete env.NODE_DEBUG;
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: tmp, env, encoding: 'utf8', timeout: 60_000 });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    leftBehind: [tmp, join(tmp, 'tmp'), join(tmp, 'cache')]
      .flatMap((d) => readdirSync(d))
      .filter((n) => n !== 'tmp' && n !== 'cache'),
  };
}

describe('dmabuf-lab command-line conventions', () => {
  it('--help describes every option and command, exit 0', () => {
    const r = lab('--help');
    expect(r.code).toBe(0);
    for (const c of ['provision', 'run', 'shell', 'vitest']) expect(r.stdout).toContain(`dmabuf-lab ${c} `);
    for (const [name, o] of Object.entries(OPTIONS)) {
      expect(o.description.length).toBeGreaterThan(10);
      const line = r.stdout.split('\n').find((l) => new RegExp(`^\\s+(-\\w, )?--${name}\\b`).test(l));
      expect(line, name).toBeDefined();
      expect(line).toContain(o.description.slice(0, 30));
      if (o.short) expect(line).toContain(`-${o.short}, --${name}`);
    }
    expect(lab('run', '-h').stdout).toBe(r.stdout);
    expect(lab().stdout).toBe(r.stdout);
  });

  it('--version and -V print the version, exit 0', () => {
    expect(lab('--version')).toMatchObject({ code: 0, stdout: `dmabuf-lab ${pkg.version}\n` });
    expect(lab('-V')).toMatchObject({ code: 0, stdout: `dmabuf-lab ${pkg.version}\n` });
  });

  it.each([
    [['run', '--bogus', '--', 'true'], /dmabuf-lab run: unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate' \(commands: provision, run, shell, vitest\)/],
    [['run'], /dmabuf-lab run: no command given/],
    [['run', '--timeout', '0', 'true'], /--timeout expects seconds > 0, got '0'/],
    [['provision', '--arch', 'sparc'], /unknown --arch sparc \(x64 or arm64\)/],
  ])(
    '%j is a usage error: exit 2, the reason on stderr, nothing on stdout, nothing left behind',
    (argv, message) => {
      const r = lab(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(r.leftBehind).toEqual([]);
    },
  );

  it('a failure exits 1 with the reason and leaves nothing behind: vitest in a folder without a lab config', () => {
    const r = lab('vitest', '--cwd', '/nonexistent-dmabuf-lab-dir');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dmabuf-lab vitest: no vitest.lab.config.ts in \/nonexistent-dmabuf-lab-dir/);
    expect(r.leftBehind).toEqual([]);
  });
});
