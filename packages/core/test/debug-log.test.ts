import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { debugLog } from '../src/debug-log.js';
import { errnoValue } from '../src/errno.js';
import { debugSection } from '../src/load-addon.js';
import { traceAddon } from '../src/trace-addon.js';

const fixture = new URL('./fixtures/debug-child.mjs', import.meta.url).pathname;

function runWith(nodeDebug: string | undefined, ...args: string[]) {
  const env = { ...process.env };
  delete env.NODE_DEBUG;
  if (nodeDebug !== undefined) env.NODE_DEBUG = nodeDebug;
  const r = spawnSync(process.execPath, [fixture, ...args], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe('done\n');
  return r.stderr;
}

/** Each pattern matched by a line, in this order (other lines between them allowed). */
function expectInOrder(lines: string[], expected: RegExp[]): void {
  let at = 0;
  for (const re of expected) {
    const found = lines.findIndex((s, i) => i >= at && re.test(s));
    expect(found, `${re} after line ${at} of:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
}

/** A log that keeps its lines, for traceAddon. */
function memoryLog(): { lines: string[]; log: { (f: string, ...a: unknown[]): void; enabled: boolean } } {
  const lines: string[] = [];
  const log = Object.assign((fmt: string, ...args: unknown[]) => void lines.push([fmt, ...args].join('|')), {
    enabled: true,
  });
  return { lines, log };
}

describe('NODE_DEBUG logging', { timeout: 60_000 }, () => {
  it('NODE_DEBUG=dmabuf logs every lifecycle step of the core, and every call into its binding', () => {
    const lines = runWith('dmabuf').trim().split('\n');
    expect(lines.every((l) => /^DMABUF:CORE \d+: /.test(l))).toBe(true);
    const steps = lines.map((l) => l.replace(/^DMABUF:CORE \d+: /, ''));
    expectInOrder(steps, [
      /^framework created: plugins memfd-test$/,
      /^buffer #\d+ \(memfd-test\): export \{ constraints: \{\}, options: \{\}, size: 8192 \}$/,
      /^buffer #\d+ \(memfd-test\): allocate \{ constraints: \{\}, options: \{\}, size: 8192 \}$/,
      /^memfdCreate\('dmabuf-test', \d+\) -> \d+$/,
      /^buffer #\d+ \(memfd-test\): live, fd \d+, 8192 bytes$/,
      /: attach dbg-device \{\}$/,
      /: map for dbg-device \(to-device\): 1 segment\(s\)$/,
      /: unmap for dbg-device \(to-device\)$/,
      /: mmap 8192 bytes read-only$/,
      /^mmap\(\d+, 0, 8192, 1\) -> ArrayBuffer\(8192\)$/,
      /^munmap\(ArrayBuffer\(8192\)\) -> 0$/,
      /^dup\(\d+\) -> \d+$/,
      /^get\(fd \d+\): buffer #\d+ \(memfd-test\), already known$/,
      /: get, 2 reference\(s\)$/,
      /: put, 1 reference\(s\) left$/,
      /: detach dbg-device$/,
      /: put, 0 reference\(s\) left$/,
      /: release, close fd \d+$/,
      /^close\(\d+\) -> 0$/,
      /^framework close: 0 buffer\(s\) left to tear down$/,
    ]);
  });

  it('a throwing hook is logged with the plugin and the hook; a failed call with its errno name', () => {
    const steps = runWith('dmabuf:core', 'throwing-hook')
      .trim()
      .split('\n')
      .map((l) => l.replace(/^DMABUF:CORE \d+: /, ''));
    expectInOrder(steps, [
      /plugin memfd-test: hook allocate threw: no memory today$/,
      /: begin CPU access \(read\)$/,
      /^sync\(\d+, \d+\) -> -ENOTTY$/,
    ]);
  });

  it('NODE_DEBUG=dmabuf:core logs the core alone; another section or none logs nothing', () => {
    expect(runWith('dmabuf:core')).toMatch(/^DMABUF:CORE \d+: framework created/);
    expect(runWith('dmabuf*')).toMatch(/^DMABUF:CORE \d+: framework created/);
    expect(runWith('dmabuf:v4l2')).toBe('');
    expect(runWith('http,net')).toBe('');
    expect(runWith(undefined)).toBe('');
  });

  it('debugLog is a no-op with enabled false when NODE_DEBUG does not name it', () => {
    // this test process runs without NODE_DEBUG=dmabuf
    const log = debugLog('nothing-here');
    expect(log.enabled).toBe(false);
    expect(log('x %d', 1)).toBeUndefined();
  });

  it('each driver package logs under its own section', () => {
    expect(debugSection('@dmabuf/core')).toBe('core');
    expect(debugSection('@dmabuf/exporter-udmabuf')).toBe('udmabuf');
    expect(debugSection('@dmabuf/exporter-heap')).toBe('heap');
    expect(debugSection('@dmabuf/exporter-drm')).toBe('drm');
    expect(debugSection('@dmabuf/importer-v4l2')).toBe('v4l2');
    expect(debugSection('my-exporter')).toBe('my-exporter');
  });

  it('traceAddon logs each call with arguments and result (errno names for negative results), and is the addon itself when off', () => {
    const addon = { open: (path: string) => (path === '/ok' ? 7 : -(errnoValue('ENOENT') ?? 2)), version: 3 };
    expect(
      traceAddon(
        addon,
        Object.assign(() => {}, { enabled: false }),
      ),
    ).toBe(addon);
    const { lines, log } = memoryLog();
    const traced = traceAddon(addon, log);
    expect(traced.open('/ok')).toBe(7);
    expect(traced.open('/missing')).toBe(-2);
    expect(traced.version).toBe(3);
    expect(lines).toEqual(["%s -> %s|open('/ok')|7", "%s -> %s|open('/missing')|-ENOENT"]);
  });

  it('traceAddon logs a promise when it settles and hands back the same promise; a throw as thrown', async () => {
    const p = Promise.resolve(-(errnoValue('ETIMEDOUT') ?? 110));
    const addon = {
      wait: (_fd: number, _bytes: Uint8Array) => p,
      bad: () => {
        throw new TypeError('fd must be a number');
      },
    };
    const { lines, log } = memoryLog();
    const traced = traceAddon(addon, log);
    expect(traced.wait(4, new Uint8Array(16))).toBe(p);
    await p;
    await Promise.resolve();
    expect(() => traced.bad()).toThrow(TypeError);
    expect(lines).toEqual([
      '%s -> pending|wait(4, Uint8Array(16))',
      '%s resolved -> %s|wait(4, Uint8Array(16))|-ETIMEDOUT',
      '%s threw %s|bad()|fd must be a number',
    ]);
  });
});
