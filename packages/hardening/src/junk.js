import fc from 'fast-check';

/**
 * @typedef {import('./signatures.js').Kind} Kind
 * @typedef {import('./signatures.js').Param} Param
 */

/** An fd number no process here ever has open (the kernel hands out the lowest free number). */
export const CLOSED_FD = 999_983;

/** Marks the errors the corpus's own junk throws (a getter, a proxy, a callback): passing them on is right. */
export const JUNK_ERROR = Symbol.for('dmabuf.corpus.junk-error');

/** @param {string} what */
const junkError = (what) => Object.assign(new Error(`junk ${what}`), { [JUNK_ERROR]: true });

/** @param {unknown} v @returns {Kind} */
export function kindOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return /** @type {Kind} */ (typeof v);
}

const big = 'x'.repeat(1 << 20);

/** Values that have broken code before, whatever the parameter. */
const classics = [
  undefined,
  null,
  -1,
  -0.5,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53,
  Number.MAX_VALUE,
  -(2 ** 31),
  CLOSED_FD,
  '',
  ' ',
  'x',
  '\0',
  '../../etc/passwd',
  big,
  true,
  false,
  10n,
  -(2n ** 64n),
];

/** Fresh objects each draw (some calls keep or mutate what they get). */
const objects = () =>
  fc
    .constantFrom(
      () => ({}),
      () => [],
      () => [1, 2, 3],
      () => Object.create(null),
      () => ({ size: -1 }),
      () => ({ fd: CLOSED_FD, size: 4096 }),
      () => ({ length: 2 ** 32 }),
      () => new Uint8Array(0),
      () => new ArrayBuffer(8),
      () => new Date(0),
      () => /x/,
      () => new Map(),
      () => Symbol('junk'),
      () => () => 0,
      () => async () => {
        throw junkError('callback');
      },
      () => ({
        get size() {
          throw junkError('getter');
        },
      }),
      () =>
        new Proxy(
          {},
          {
            get() {
              throw junkError('proxy');
            },
          },
        ),
      () => ({ toString: () => 'x', valueOf: () => 4096 }),
      // a thenable that never settles
      // biome-ignore lint/suspicious/noThenProperty: junk on purpose
      () => ({ then: () => undefined }),
    )
    .map((make) => make());

/** Small integers are left out where an fd is expected: one could be the runner's own stdout. */
const fdSafeNumber = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.integer({ min: CLOSED_FD, max: 2 ** 31 - 1 }),
  fc.double({ noInteger: true }),
);

const anyNumber = fc.oneof(
  fc.integer({ min: -8, max: 64 }),
  fc.constantFrom(4096, 8192, 1 << 20, 640, 480, 1920, 1080, 0x34325258),
  fc.integer(),
  fc.double(),
);

/**
 * A value for one parameter: mostly junk, sometimes a value of the declared kind (a literal of its
 * union, an object with its required keys filled by junk) so that calls get past the first check.
 * @param {Param | undefined} param
 * @returns {fc.Arbitrary<unknown>}
 */
export function argArb(param) {
  const isFd = !!param && /fd$/i.test(param.name);
  const numbers = isFd ? fdSafeNumber : anyNumber;
  const junk = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...classics) },
    { weight: 2, arbitrary: numbers },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 3, arbitrary: objects() },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }) },
  );
  if (!param || param.kinds === 'any') return junk;
  /** @type {fc.Arbitrary<unknown>[]} */
  const near = [];
  if (param.literals) near.push(fc.constantFrom(...param.literals));
  if (param.kinds.includes('number')) near.push(numbers);
  if (param.kinds.includes('string') && !param.literals) near.push(fc.string({ maxLength: 16 }));
  if (param.kinds.includes('boolean')) near.push(fc.boolean());
  if (param.kinds.includes('array')) near.push(fc.array(junk, { maxLength: 4 }));
  for (const shape of param.shapes)
    if (shape.length)
      near.push(
        fc.tuple(...shape.map(() => fc.oneof(junk, numbers))).map((vals) => {
          /** @type {Record<string, unknown>} */
          const o = {};
          shape.forEach((k, i) => {
            o[k] = vals[i];
          });
          return o;
        }),
      );
  return near.length
    ? fc.oneof({ weight: 3, arbitrary: junk }, { weight: 2, arbitrary: fc.oneof(...near) })
    : junk;
}

/**
 * Whether a value is of the parameter's declared type (at the level the corpus checks: kind, string
 * literal unions, the required keys of an object type).
 * @param {Param} param
 * @param {unknown} v
 */
export function conforms(param, v) {
  if (param.kinds === 'any') return true;
  const k = kindOf(v);
  if (!param.kinds.includes(k)) {
    // a class instance or a typed array where an object type is declared: kind 'object' covers it
    return false;
  }
  if (k === 'string' && param.literals) return param.literals.includes(/** @type {string} */ (v));
  if (k === 'object' && param.shapes.length && !param.kinds.includes('function')) {
    return param.shapes.some((shape) => shape.every((key) => key in /** @type {object} */ (v)));
  }
  if (k === 'number' && !Number.isFinite(v) && !param.kinds.includes('bigint')) return true; // type-correct
  return true;
}

/**
 * Argument lists for a callable: one generator over its declared signatures (the longest one when
 * there are overloads), with an extra argument now and then.
 * @param {import('./signatures.js').Signature[]} sigs
 * @returns {fc.Arbitrary<unknown[]>}
 */
export function argsArb(sigs) {
  const longest = sigs.reduce(
    (a, s) => (s.params.length > a.params.length ? s : a),
    /** @type {import('./signatures.js').Signature} */ ({ params: [], internal: false }),
  );
  const n = longest.params.length;
  return fc
    .integer({ min: 0, max: n + 1 })
    .chain((len) => fc.tuple(...Array.from({ length: len }, (_, i) => argArb(longest.params[i]))));
}

/**
 * The first argument that is not of its declared type in every signature (undefined: all conform).
 * @param {import('./signatures.js').Signature[]} sigs
 * @param {unknown[]} args
 * @returns {string | undefined}
 */
export function wrongArgument(sigs, args) {
  if (!sigs.length) return undefined;
  let first;
  for (const sig of sigs) {
    let bad;
    for (let i = 0; i < Math.max(args.length, sig.params.length); i++) {
      const p = sig.params[i] ?? sig.params.find((q) => q.rest);
      if (!p) break; // extra arguments are ignored by JS
      if (!conforms(p, args[i])) {
        bad = p.name;
        break;
      }
    }
    if (bad === undefined) return undefined;
    first ??= bad;
  }
  return first;
}
