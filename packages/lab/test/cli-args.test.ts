import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli-args.js';
import { LabError } from '../src/errors.js';
import { commandScript, guestEnv, normalizeDriver, paramsScript } from '../src/guest-files.js';
import { vitestArgv } from '../src/vitest.js';

describe('dmabuf-lab arguments', () => {
  it('run: options before --, the command after', () => {
    const o = parseArgs([
      'run',
      '--drivers',
      'vivid,vgem',
      '--timeout=60',
      '--env',
      'A=b=c',
      '--cwd',
      '/x',
      '--',
      'node',
      '-e',
      '1',
    ]);
    expect(o.sub).toBe('run');
    expect(o.drivers).toEqual(['vivid', 'vgem']);
    expect(o.timeoutSec).toBe(60);
    expect(o.env).toEqual({ A: 'b=c' });
    expect(o.cwd).toBe('/x');
    expect(o.rest).toEqual(['node', '-e', '1']);
  });

  it('run: the command may start without --, and keeps its own options', () => {
    expect(parseArgs(['run', 'uname', '-a']).rest).toEqual(['uname', '-a']);
  });

  it('vitest: unknown options go to vitest', () => {
    const o = parseArgs(['vitest', '--report', 'r.json', '-t', 'heap', '--bail=1']);
    expect(o.report).toBe('r.json');
    expect(o.rest).toEqual(['-t', 'heap', '--bail=1']);
  });

  it('refuses bad values and unknown options with a usage error (exit 2)', () => {
    expect(() => parseArgs(['run', '--timeout', 'soon'])).toThrow(/--timeout expects seconds/);
    expect(() => parseArgs(['run', '--env', 'NOEQUALS'])).toThrow(/K=V/);
    expect(() => parseArgs(['run', '--drivers'])).toThrow(/needs a value/);
    expect(() => parseArgs(['run', '--keep=yes'])).toThrow(/--keep takes no value/);
    expect(() => parseArgs(['provision', 'now'])).toThrow(/unexpected argument 'now'/);
    for (const argv of [['run', '--bogus'], ['shell', '-x'], ['frobnicate'], ['--drivers', 'vivid']]) {
      let error: unknown;
      try {
        parseArgs(argv);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(LabError);
      expect((error as LabError).exitCode).toBe(2);
      expect((error as LabError).message).toMatch(/Run 'dmabuf-lab --help' for usage\.$/);
    }
  });

  it('vitest: a group of short options is passed on as given, once', () => {
    expect(parseArgs(['vitest', '-tfoo', '--keep', 'x.test.ts']).rest).toEqual(['-tfoo', 'x.test.ts']);
  });

  it('no arguments means help; -V and --version ask for the version', () => {
    expect(parseArgs([]).help).toBe(true);
    expect(parseArgs(['-V']).version).toBe(true);
    expect(parseArgs(['--version']).version).toBe(true);
  });
});

describe('guest files', () => {
  it('driver names accept dashes', () => {
    expect(normalizeDriver('virtio-gpu')).toBe('virtio_gpu');
  });

  it('the command script cds to the same path and execs with exactly the given env', () => {
    const s = commandScript({ argv: ['node', '-e', "console.log('hi')"], cwd: '/work/a b', env: { A: '1' } });
    expect(s).toContain("cd '/work/a b'");
    expect(s).toContain(`exec env -i A=1 node -e 'console.log('\\''hi'\\'')'`);
  });

  it('the guest env marks the lab and overrides host values', () => {
    const env = guestEnv({ PATH: '/usr/bin', SECRET: 'x' }, { PATH: '/opt/bin' });
    expect(env).toMatchObject({ PATH: '/opt/bin', DMABUF_LAB: '1', DMABUF_LAB_OUT: '/run/dmabuf-lab/out' });
    expect(env.SECRET).toBeUndefined();
  });

  it('params leave built-in drivers out of the modprobe list', () => {
    const p = paramsScript({
      drivers: ['udmabuf', 'vgem', 'vivid'],
      moduleOpts: { vivid: 'n_devs=1' },
      modRoot: '/k',
      hugepages: 32,
      ninepCache: 'loose',
    });
    expect(p).toContain("DRIVERS='vgem vivid'");
    expect(p).toContain('modprobe -d "$MODROOT" vivid n_devs=1 ');
  });

  it('vitest runs with the lab config and a JSON report in the out share', () => {
    expect(vitestArgv('/nm/vitest/vitest.mjs', ['-t', 'x']).slice(1)).toEqual([
      '/nm/vitest/vitest.mjs',
      'run',
      '--config',
      'vitest.lab.config.ts',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=/run/dmabuf-lab/out/report.json',
      '-t',
      'x',
    ]);
  });
});
