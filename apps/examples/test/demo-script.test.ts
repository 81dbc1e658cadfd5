import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_OPTIONS } from '../src/camera-display/options.js';

// `bash scripts/demo.sh` (the README's main command) run in a copy of just
// what it needs before a build, as in a fresh clone: scripts/setup.sh and the
// built demo are stand-ins that record how they were called, so each case
// shows what ran, with which arguments, and that nothing else was left.
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const FILES = [
  'scripts/demo.sh',
  'scripts/demo.mjs',
  'apps/examples/src/camera-display/options.js',
  'apps/examples/package.json',
  'packages/core/package.json',
];
const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(setupExit = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'demo-script-test-'));
  made.push(dir);
  for (const f of FILES) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(repo, f), join(dir, f));
  }
  writeFileSync(join(dir, 'scripts/setup.sh'), `echo "setup $*" >> calls.log\nexit ${setupExit}\n`);
  mkdirSync(join(dir, 'apps/examples/dist'));
  writeFileSync(
    join(dir, 'apps/examples/dist/camera-to-display.js'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the stand-in's own source
    "require('node:fs').appendFileSync('calls.log', `demo ${process.argv.slice(2).join(' ')}\\n`); process.exitCode = 7;",
  );
  writeFileSync(join(dir, 'apps/examples/dist/package.json'), '{ "type": "commonjs" }');
  chmodSync(join(dir, 'scripts/demo.sh'), 0o755);
  return dir;
}

function demo(dir: string, ...argv: string[]) {
  const before = listing(dir);
  const r = spawnSync('bash', [join(dir, 'scripts/demo.sh'), ...argv], {
    cwd: tmpdir(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const calls = (() => {
    try {
      return readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  })();
  const added = listing(dir).filter((f) => !before.includes(f) && f !== 'calls.log');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls, added };
}

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe('bash scripts/demo.sh (the README command) conventions', () => {
  it('--help describes every option before anything is set up or built; exit 0', () => {
    const dir = tree();
    const r = demo(dir, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^camera-to-display: .*\n\nUsage: bash scripts\/demo.sh \[options\]/);
    for (const [name, o] of Object.entries(DEMO_OPTIONS)) {
      const line = r.stdout.split('\n').find((l) => new RegExp(`^\\s+(-\\w, )?--${name}\\b`).test(l));
      expect(line, name).toBeDefined();
      expect(line).toContain(o.description);
      if (o.default !== undefined) expect(line).toContain(`(default ${o.default})`);
    }
    expect(r.calls).toEqual([]);
    expect(r.added).toEqual([]);
    expect(demo(dir, '-h').stdout).toBe(r.stdout);
  });

  it('--version names the demo and core versions; nothing set up', () => {
    const dir = tree();
    const r = demo(dir, '--version');
    const examples = JSON.parse(readFileSync(join(repo, 'apps/examples/package.json'), 'utf8')).version;
    const core = JSON.parse(readFileSync(join(repo, 'packages/core/package.json'), 'utf8')).version;
    expect(r).toMatchObject({
      code: 0,
      stdout: `demo ${examples} (@dmabuf/core ${core})\n`,
      calls: [],
      added: [],
    });
  });

  it.each([
    [['--bogus'], /demo: Unknown option '--bogus'/],
    [['--frames', 'many'], /--frames wants a whole number/],
    [['--lab', '--no-lab'], /--lab and --no-lab contradict each other/],
    [['--size'], /--size/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('%j is a usage error: exit 2, the reason on stderr, nothing set up or left behind', (argv, message) => {
    const dir = tree();
    const r = demo(dir, ...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run 'bash scripts\/demo.sh --help' for usage\.\n$/);
    expect(r.stdout).toBe('');
    expect(r.calls).toEqual([]);
    expect(r.added).toEqual([]);
  });

  it('a failing setup exits 1 saying so, and the demo does not start', () => {
    const r = demo(tree(3), '--lab', '--frames', '5');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/demo: setup failed \(exit 3\).*Nothing was run/);
    expect(r.calls).toEqual(['setup demo --lab']);
  });

  it('sets up with the lab choice only, then runs the demo with every argument and gives its exit code', () => {
    const r = demo(tree(), '--frames', '5', '--no-lab', '--json');
    expect(r.calls).toEqual(['setup demo --no-lab', 'demo --frames 5 --no-lab --json']);
    expect(r.code).toBe(7);
    expect(r.added).toEqual([]);
  });
});
