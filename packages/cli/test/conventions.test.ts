import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, EXIT, main } from '../src/index.js';
import { bufferIo } from './io.js';

const BIN = new URL('../bin/dmabuf.js', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

async function run(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, ...io };
}

describe('dmabuf command-line conventions', () => {
  it('--help lists every command; each command --help describes every one of its options', async () => {
    const top = await run('--help');
    expect(top.code).toBe(EXIT.ok);
    for (const c of COMMANDS) expect(top.stdout).toContain(`  ${c.name}  `.trimEnd());
    expect(top.stdout).toContain('--version');
    for (const c of COMMANDS) {
      const r = await run(c.name, '--help');
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toMatch(new RegExp(`^Usage: dmabuf ${c.name} \\[options\\]`));
      for (const o of c.options) {
        expect(o.description.length).toBeGreaterThan(8);
        expect(r.stdout).toMatch(
          new RegExp(`--${o.name}\\b.*${o.description.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
        );
        if (o.short) expect(r.stdout).toContain(`-${o.short}, --${o.name}`);
      }
    }
  });

  it('--version and -V print the package version', async () => {
    expect(await run('--version')).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect(await run('-V')).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it.each([
    [['ls', '--bogus'], /Unknown option '--bogus'/],
    [['devices', '-x'], /Unknown option '-x'/],
    [['watch', 'extra'], /unexpected argument 'extra'/],
    [['ls', '--pid', 'abc'], /--pid expects positive integers, got 'abc'/],
    [['ls', '--pid', '0'], /--pid expects positive integers, got '0'/],
    [['ls', '--pid'], /--pid/],
    [['ls', '--exporter', ''], /--exporter expects a name/],
    [['watch', '--interval', '0'], /--interval expects a number from 0.1 to 3600, got '0'/],
    [['watch', '--count', '1.5'], /--count expects an integer/],
    [['ls', '--count', 'x'], /--count expects an integer/],
    [['frobnicate'], /unknown command 'frobnicate' \(commands: ls, devices, watch\)/],
    [[], /a command is needed/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('%j is a usage error: exit 2, a clear message, nothing on stdout', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run 'dmabuf( \w+)? --help' for usage\./);
    expect(r.stdout).toBe('');
  });

  it('a failure exits 1 with the reason: --pid of a process that does not exist', async () => {
    const r = await run('ls', '--pid', '2147483646');
    expect(r.code).toBe(EXIT.failure);
    expect(r.stderr).toBe('dmabuf ls: no process 2147483646\n');
  });

  it('ls --json is the snapshot model; watch is bounded by --count', async () => {
    const ls = await run('ls', '--json', '--pid', String(process.pid));
    expect(ls.code).toBe(0);
    const s = JSON.parse(ls.stdout);
    expect(s).toMatchObject({ totals: { buffers: 0, bytes: 0 }, buffers: [], uid: process.getuid!() });
    const w = await run('watch', '--count', '3', '--interval', '0.1', '--json');
    expect(w.code).toBe(0);
    const lines = w.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ deltaBuffers: expect.any(Number), deltaBytes: expect.any(Number) });
    const text = await run('ls', '--watch', '-n', '2', '-i', '0.1');
    expect(text.stdout).toMatch(/^\d\d:\d\d:\d\d {2}\d+ buffers {2}.*\n.*\n2 samples: /);
  });

  it('the installed bin: exit codes reach the shell', () => {
    expect(execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);
    const bad = spawnSync(process.execPath, [BIN, 'ls', '--nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("dmabuf ls: Unknown option '--nope'");
    const gone = spawnSync(process.execPath, [BIN, 'ls', '-p', '2147483646'], { encoding: 'utf8' });
    expect(gone.status).toBe(1);
  });
});
