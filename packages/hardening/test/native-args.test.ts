import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { InvalidArgumentError } from '@dmabuf/core';
import { loadAddon, POLL_BITS } from '@dmabuf/core/driver';
import { describe, expect, it } from 'vitest';

// The native toolkit's argument checks (dmabuf::Args, core's
// native/include/dmabuf/args.h) in every addon: a value its C type cannot
// hold (wrong type, NaN, a fraction, negative, 2**53, huge) is refused with a
// typed InvalidArgumentError naming the argument, before any syscall: no fd
// is opened or closed, nothing changes. Never node-addon-api's "A number was
// expected", never a silent cast. The raw addons are loaded as their
// packages load them (loadAddon), so no device is needed.
type Addon = Record<string, unknown>;
const require = createRequire(import.meta.url);
const addons: Record<string, Addon> = {};
for (const name of [
  '@dmabuf/core',
  '@dmabuf/exporter-drm',
  '@dmabuf/exporter-heap',
  '@dmabuf/exporter-udmabuf',
  '@dmabuf/importer-v4l2',
])
  addons[name] = loadAddon<Addon>(dirname(require.resolve(`${name}/package.json`)), name);

const fdCount = () => readdirSync('/proc/self/fd').length;

/** An argument as the failure message shows it (a napi external has no toString). */
function shown(a: unknown): string {
  if (typeof a === 'bigint') return `${a}n`;
  if (typeof a === 'function') return 'function';
  return a !== null && typeof a === 'object' && Object.getPrototypeOf(a) === null ? '[external]' : String(a);
}

/** Call f(...args): it must throw InvalidArgumentError for `name`, with nothing done. */
function refused(addon: string, fn: string, args: unknown[], name?: string): void {
  const f = addons[addon]?.[fn] as (...a: unknown[]) => unknown;
  const before = fdCount();
  let err: unknown;
  try {
    f(...args);
  } catch (e) {
    err = e;
  }
  const what = `${addon} ${fn}(${args.map(shown).join(', ')})`;
  expect(err, what).toBeInstanceOf(InvalidArgumentError);
  expect((err as InvalidArgumentError).code, what).toBe('EINVAL');
  expect((err as Error).message, what).not.toMatch(/was expected/);
  if (name) expect((err as Error).message, what).toContain(`for ${name} but`);
  expect(fdCount(), what).toBe(before);
}

/** Wrong values for any number or string argument. */
const junk: unknown[] = [
  undefined,
  null,
  Number.NaN,
  -1,
  1.5,
  2 ** 53,
  1e300,
  Number.POSITIVE_INFINITY,
  {},
  [1],
];

/** The functions that take no argument (counters for leak tests, a socket pair). */
const noArguments = new Set([
  'pendingPolls',
  'liveWatchers',
  'liveMappings',
  'unixSocketPair',
  'countingSink',
]);

describe('every function of every addon refuses a wrong first argument with a typed error, before any syscall', () => {
  for (const [addon, exports] of Object.entries(addons)) {
    const fns = Object.keys(exports).filter((k) => typeof exports[k] === 'function' && !noArguments.has(k));
    it(`${addon}: each of its functions`, () => {
      expect(fns.length).toBeGreaterThan(0);
      for (const fn of fns) {
        // A class (none left: the addons export functions and constants only)
        expect(/^[A-Z]/.test(fn), `${addon} ${fn} is a function, not a class`).toBe(false);
        for (const value of junk) {
          // An array is a right first argument for closeFds; an object for none.
          if (Array.isArray(value) && fn === 'closeFds') continue;
          refused(addon, fn, [value]);
        }
      }
    });
  }
});

describe('arguments after the fd: sizes, handles, ids and flags', () => {
  const bad = [Number.NaN, -1, 0.5, 2 ** 53, 1e300, '1'];
  const cases: Array<[string, string, (v: unknown) => unknown[], string, unknown[]?]> = [
    ['@dmabuf/core', 'ftruncate', (v) => [0, v], 'size'],
    ['@dmabuf/core', 'mmap', (v) => [0, 0, v, 1], 'length'],
    ['@dmabuf/core', 'pwrite', (v) => [0, new Uint8Array(1), v], 'offset'],
    ['@dmabuf/core', 'memfdCreate', (v) => ['x', v], 'flags'],
    ['@dmabuf/core', 'watcherWait', (v) => [1, v], 'events'],
    ['@dmabuf/exporter-drm', 'createDumb', (v) => [0, v, 1, 32], 'width'],
    ['@dmabuf/exporter-drm', 'gemClose', (v) => [0, v], 'handle'],
    ['@dmabuf/exporter-drm', 'addFb2', (v) => [0, 1, 1, 0, 0, [v], [4], [0], [0n]], 'handles'],
    ['@dmabuf/exporter-drm', 'pageFlip', (v) => [0, 1, 1, 0, v], 'userData'],
    ['@dmabuf/exporter-drm', 'atomicCommit', (v) => [0, 0, [1], [1], [1], [v], 0], 'values'],
    ['@dmabuf/exporter-heap', 'alloc', (v) => [0, v, 0, 0], 'len'],
    ['@dmabuf/exporter-udmabuf', 'create', (v) => [0, 0, 0, v, 0], 'size'],
    // a Float64Array holds numbers only: the string case is a number there
    [
      '@dmabuf/exporter-udmabuf',
      'createList',
      (v) => [0, 0, new Float64Array([0, 0, v as number])],
      'items',
      bad.slice(0, 5),
    ],
    ['@dmabuf/importer-v4l2', 'qbuf', (v) => [0, 1, 1, v], 'index'],
    ['@dmabuf/importer-v4l2', 'reqbufs', (v) => [0, 1, 1, v], 'count'],
    // a control's value is signed: -1 is one
    ['@dmabuf/importer-v4l2', 'setCtrl', (v) => [0, 1, v, false], 'value', bad.filter((v) => v !== -1)],
  ];
  // the link engine and the ports (native/include/dmabuf/port.h): a value that is no port, no
  // handle, or a typed array of the wrong kind is refused before any port is made or linked
  const core = addons['@dmabuf/core'] as { cyclingSource(n: number): object; countingSink(): object };
  const typedBad = [...bad, [1, 2], new Float64Array(2), {}];
  const noop = () => {};
  cases.push(
    [
      '@dmabuf/core',
      'linkCreate',
      (v) => [core.cyclingSource(2), v, new Int32Array(2), noop, 0, 0, 0],
      'sink',
      [...bad, {}],
    ],
    [
      '@dmabuf/core',
      'linkCreate',
      (v) => [core.cyclingSource(2), core.countingSink(), v, noop, 0, 0, 0],
      'map',
      typedBad,
    ],
    [
      '@dmabuf/core',
      'linkCreate',
      (v) => [core.cyclingSource(2), core.countingSink(), new Int32Array(2), v, 0, 0, 0],
      'onEvent',
      [...bad, {}],
    ],
    [
      '@dmabuf/core',
      'linkCreate',
      (v) => [core.cyclingSource(2), core.countingSink(), new Int32Array(2), noop, v, 0, 0],
      'tapEvery',
    ],
    [
      '@dmabuf/core',
      'linkCreate',
      (v) => [core.cyclingSource(2), core.countingSink(), new Int32Array(2), noop, 0, 0, v],
      'frames',
    ],
    ['@dmabuf/core', 'linkTapRelease', (v) => [v, 0], 'link', [...bad, {}, core.countingSink()].slice(0, 6)],
    ['@dmabuf/core', 'linkStopNow', (v) => [v, 0], 'link', [...bad, {}, core.countingSink()].slice(0, 6)],
    ['@dmabuf/core', 'cyclingSource', (v) => [v], 'slots', [...bad, 0, 1, 5000]],
    // the channel's read: its scratch meta is an Int32Array, checked before the recvmmsg
    ['@dmabuf/core', 'receiveMessages', (v) => [0, 1, v], 'meta', [...typedBad, new Uint32Array(97 + 16)]],
    // the channel's batched send: the texts joined in one string, lengths and fds in an Int32Array
    [
      '@dmabuf/core',
      'sendMessages',
      (v) => [0, v, new Int32Array(2), 1],
      'texts',
      [...bad.filter((v) => typeof v !== 'string'), {}, ['M'], new Int32Array(2)],
    ],
    ['@dmabuf/core', 'sendMessages', (v) => [0, 'M', v, 1], 'meta', [...typedBad, new Uint32Array(2)]],
    ['@dmabuf/core', 'sendMessages', (v) => [0, 'M', Int32Array.of(1, 0), v], 'count'],
    // closing a received batch's fds from its meta: the range is checked before any close
    ['@dmabuf/core', 'closeFdsIn', (v) => [new Int32Array([-1]), v, 1], 'from'],
    ['@dmabuf/core', 'closeFdsIn', (v) => [new Int32Array([-1]), 0, v], 'to'],
    [
      '@dmabuf/exporter-drm',
      'planePort',
      (v) => [0, v, 1, 1, 1, new Uint32Array([1])],
      'atomic',
      [...bad, 1],
    ],
    ['@dmabuf/exporter-drm', 'planePort', (v) => [0, true, v, 1, 1, new Uint32Array([1])], 'crtcId'],
    [
      '@dmabuf/exporter-drm',
      'planePort',
      (v) => [0, true, 1, 1, 1, v],
      'fbIds',
      [...typedBad, new Uint32Array(0)],
    ],
    [
      '@dmabuf/importer-v4l2',
      'capturePort',
      (v) => [0, 1, 4, v, 1, new Int32Array(2), new Uint32Array(2)],
      'slots',
      [...bad, 0],
    ],
    [
      '@dmabuf/importer-v4l2',
      'capturePort',
      (v) => [0, 1, 4, 2, v, new Int32Array(2), new Uint32Array(2)],
      'planes',
      [...bad, 0, 9],
    ],
    [
      '@dmabuf/importer-v4l2',
      'capturePort',
      (v) => [0, 1, 4, 2, 1, v, new Uint32Array(2)],
      'fds',
      [...typedBad, new Int32Array(3)],
    ],
    [
      '@dmabuf/importer-v4l2',
      'capturePort',
      (v) => [0, 1, 4, 2, 1, new Int32Array(2), v],
      'lengths',
      [...typedBad, new Uint32Array(1)],
    ],
    [
      '@dmabuf/importer-v4l2',
      'outputPort',
      (v) => [0, 2, 4, 2, 1, v, new Uint32Array(2)],
      'fds',
      [...typedBad, new Int32Array(3)],
    ],
  );
  for (const [addon, fn, args, name, values = bad] of cases) {
    it(`${addon} ${fn}: '${name}' ${values.map(String).join(', ')}`, () => {
      for (const v of values) refused(addon, fn, args(v), name);
    });
  }

  it('a bigint where a 64-bit value is taken: in range only', () => {
    refused('@dmabuf/core', 'sync', [0, -1n], 'flags');
    refused('@dmabuf/core', 'sync', [0, 1n << 64n], 'flags');
    refused('@dmabuf/exporter-drm', 'pageFlip', [0, 1, 1, 0, 1n << 64n], 'userData');
  });

  it('an array with one bad entry closes none of it (core closeFds)', () => {
    const core = addons['@dmabuf/core'] as unknown as {
      dup(fd: number): number;
      close(fd: number): number;
      fstat(fd: number): unknown;
    };
    const d = core.dup(0);
    expect(d).toBeGreaterThan(2);
    refused('@dmabuf/core', 'closeFds', [[d, -1]], 'fds');
    expect(typeof core.fstat(d)).toBe('object');
    expect(core.close(d)).toBe(0);
  });

  it("core's readiness bits are the watcher's", () => {
    expect({ ...(addons['@dmabuf/core']?.pollBits as object) }).toEqual({ ...POLL_BITS });
  });
});
