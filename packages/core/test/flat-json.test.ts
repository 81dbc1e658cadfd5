import { describe, expect, it } from 'vitest';
import { NOT_FLAT, parseFlatJson, stringifyFlat } from '../src/channel/flat-json.js';
import { decode, encodeMessage } from '../src/channel/protocol.js';

/** A seeded PRNG (mulberry32): the same cases on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether a and b are the same value as JSON.parse makes them: prototypes, own keys in order, descriptors, Object.is leaves. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => {
    const da = Object.getOwnPropertyDescriptor(a, k)!;
    const db = Object.getOwnPropertyDescriptor(b, k)!;
    return (
      da.writable === db.writable &&
      da.enumerable === db.enumerable &&
      da.configurable === db.configurable &&
      same(da.value, db.value)
    );
  });
}

type Outcome = { value: unknown } | { threw: true };

function viaJsonParse(text: string): Outcome {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { threw: true };
  }
}

/** What the channel does with a text: the fast path, else JSON.parse. */
function viaFlat(text: string): Outcome {
  const v = parseFlatJson(text);
  return v === NOT_FLAT ? viaJsonParse(text) : { value: v };
}

function agrees(text: string): boolean {
  const a = viaFlat(text);
  const b = viaJsonParse(text);
  if ('threw' in a || 'threw' in b) return 'threw' in a && 'threw' in b;
  return same(a.value, b.value);
}

const corpus = [
  '{}',
  '{"i":123}',
  '{"ok":1}',
  '{"i":0}',
  '{"i":-0}',
  '{"i":-1}',
  '{"i":01}',
  '{"i":-01}',
  '{"i":00}',
  '{"i":-}',
  '{"i":1e3}',
  '{"i":1E3}',
  '{"i":1.5}',
  '{"i":1.}',
  '{"i":.5}',
  '{"i":123456789012345}',
  '{"i":999999999999999}',
  '{"i":1234567890123456}',
  '{"i":9007199254740993}',
  '{"i":123456789012345678901234567890}',
  '{"i":-999999999999999}',
  '{"s":"x"}',
  '{"s":""}',
  '{"s":"a\\"b"}',
  '{"s":"\\u0041"}',
  '{"s":"\\n"}',
  '{"s":"\t"}',
  '{"s":"é"}',
  '{"s":"\u2028"}',
  '{"s":"\ud800"}',
  '{"s":"😀"}',
  '{"s":"x}',
  '{"b":true,"c":false,"n":null}',
  '{"b":tru}',
  '{"b":truee}',
  '{"n":nul}',
  '{"n":null,}',
  '{"__proto__":1}',
  '{"__proto__":{"x":1}}',
  '{"a":1,"__proto__":null}',
  '{"toString":1}',
  '{"constructor":"x"}',
  '{"hasOwnProperty":true}',
  '{"valueOf":null}',
  '{"a":1,"b":2,"a":3}',
  '{"a":1,"a":"x","a":null}',
  '{"b":1,"a":2}',
  '{"1":1}',
  '{"b":1,"1":2}',
  '{"":1}',
  '{"a b":1}',
  '{"é":1}',
  '{"$":1,"_":2,"a1":3,"A_$9":4}',
  '{"a":[1]}',
  '{"a":{}}',
  '{ "a":1}',
  '{"a" :1}',
  '{"a": 1}',
  '{"a":1 }',
  '{"a":1} ',
  ' {"a":1}',
  '{"a":1}x',
  '{"a":1}}',
  '{"a":1',
  '{"a"',
  '{"a":',
  '{',
  '}',
  '{,}',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  '[]',
  '1',
  '"x"',
  'null',
  '',
  `{"s":"${'x'.repeat(300)}"}`,
  `{${Array.from({ length: 40 }, (_, k) => `"k${k}":${k}`).join(',')}}`,
];

describe('parseFlatJson: the same value as JSON.parse, or NOT_FLAT', () => {
  it.each(corpus.map((t) => [t]))('%j', (text) => {
    expect(agrees(text)).toBe(true);
  });

  it('takes the fast path for the flat objects the channel sends', () => {
    for (const t of ['{"i":123}', '{"ok":1}', '{"a":"x","b":true,"c":false,"d":null,"e":-7}', '{}'])
      expect(parseFlatJson(t)).not.toBe(NOT_FLAT);
    expect(parseFlatJson('{"i":-0}')).toEqual({ i: -0 });
    expect(Object.is((parseFlatJson('{"i":-0}') as { i: number }).i, -0)).toBe(true);
    expect(parseFlatJson('{"a":1,"b":2,"a":3}')).toEqual({ a: 3, b: 2 });
  });

  it('reads each key afresh when it is not the one last read at its place (the key cache)', () => {
    const seq = [
      '{"id":1}',
      '{"i":2}',
      '{"i":3,"id":4}',
      '{"id":5,"i":6}',
      '{"ix":1,"i_":2}',
      '{"i":7}',
      '{"i":8,"i":9}',
    ];
    for (const t of [...seq, ...seq.reverse()]) {
      expect(parseFlatJson(t)).not.toBe(NOT_FLAT);
      expect(same(parseFlatJson(t), JSON.parse(t)), t).toBe(true);
    }
    // a key cached at a place is still checked against Object.prototype every time
    expect(parseFlatJson('{"toString":1}')).toBe(NOT_FLAT);
    expect(parseFlatJson('{"toString":1}')).toBe(NOT_FLAT);
    Object.defineProperty(Object.prototype, 'zz', { set() {}, configurable: true });
    try {
      expect(parseFlatJson('{"zz":1}')).toBe(NOT_FLAT);
    } finally {
      delete (Object.prototype as { zz?: unknown }).zz;
    }
    expect(parseFlatJson('{"zz":1}')).toEqual({ zz: 1 });
  });

  it('reads from an offset as from the text after it', () => {
    for (const t of corpus) {
      for (const pre of ['M', 'x\n', '{"a":1}']) {
        const a = parseFlatJson(pre + t, pre.length);
        const b = parseFlatJson(t);
        expect(a === NOT_FLAT ? a : same(a, b) || a, t).toBe(b === NOT_FLAT ? NOT_FLAT : true);
      }
    }
  });

  it('leaves to JSON.parse what it does not read (never a wrong value)', () => {
    for (const t of ['{"__proto__":1}', '{"toString":1}', '{"i":01}', '{"i":1e3}', '{ "i":1}', '{"s":"\\n"}'])
      expect(parseFlatJson(t)).toBe(NOT_FLAT);
  });

  it('agrees with JSON.parse on 30000 generated texts near the flat form', () => {
    const rnd = prng(14);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const keys = [
      'i',
      'ok',
      'a',
      'a1',
      '$x',
      '_',
      '__proto__',
      'toString',
      'constructor',
      '',
      '1',
      'é',
      'a b',
      'i',
    ];
    const values = [
      '0',
      '-0',
      '01',
      '-01',
      '7',
      '-7',
      '123',
      '-',
      '1e3',
      '1.5',
      '1E+2',
      '123456789012345',
      '1234567890123456',
      '9007199254740993',
      '"x"',
      '""',
      '"a\\"b"',
      '"\\u0041"',
      '"é"',
      '"\t"',
      '"\u2028"',
      '"\ud800"',
      'true',
      'false',
      'null',
      'tru',
      'nul',
      '[]',
      '{}',
      '{"a":1}',
      String(Math.floor(rnd() * 1e9)),
    ];
    const alphabet = '{}":,-0123456789eE.truefalsnl _\\\tx';
    let fast = 0;
    for (let n = 0; n < 30000; n++) {
      let text: string;
      if (n % 3 === 2) {
        // random characters
        const len = Math.floor(rnd() * 16);
        text = '';
        for (let k = 0; k < len; k++) text += pick([...alphabet]);
        if (rnd() < 0.5) text = `{${text}`;
      } else {
        const count = Math.floor(rnd() * 4);
        const parts: string[] = [];
        for (let k = 0; k < count; k++) {
          const v = rnd() < 0.5 ? String(Math.floor((rnd() - 0.5) * 2 ** (1 + rnd() * 60))) : pick(values);
          parts.push(`"${pick(keys)}":${v}`);
        }
        text = `{${parts.join(',')}}`;
        if (rnd() < 0.2) {
          // one character changed, dropped or added
          const at = Math.floor(rnd() * text.length);
          const c = pick([...alphabet]);
          const how = rnd();
          text =
            how < 0.33
              ? text.slice(0, at) + c + text.slice(at + 1)
              : how < 0.66
                ? text.slice(0, at) + text.slice(at + 1)
                : text.slice(0, at) + c + text.slice(at);
        }
      }
      if (parseFlatJson(text) !== NOT_FLAT) fast++;
      if (!agrees(text)) throw new Error(`differs from JSON.parse: ${JSON.stringify(text)}`);
    }
    // the generator does reach the fast path (else this test would prove nothing)
    expect(fast).toBeGreaterThan(5000);
  });

  it('is what the channel decodes messages and meta with (EBADMSG where JSON.parse throws)', () => {
    const m = decode('M{"__proto__":1,"i":-0}', 'test');
    expect(m.kind).toBe('message');
    const message = (m as { message: Record<string, unknown> }).message;
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
    expect(Object.keys(message)).toEqual(['__proto__', 'i']);
    expect(Object.is(message.i, -0)).toBe(true);
    expect(() => decode('M{"i":01}', 'test')).toThrow(expect.objectContaining({ code: 'EBADMSG' }));
    expect(() => decode('M{"i":01}', 'test')).toThrow(/the "M" body is not JSON/);
    expect(() => decode('Z{', 'test')).toThrow(/the "Z" body is not JSON/);
    expect(() => decode('', 'test')).toThrow(/the empty message is not JSON/);
    const head = '{"l":{"size":4096,"planes":[{"offset":0,"pitch":0,"size":4096}]},"e":"x","x":"y"}';
    const b = decode(`B${head}\n1:2\n{"i":5,"s":"t"}`, 'test');
    expect(b).toMatchObject({ kind: 'buffer', claim: '1:2', meta: { i: 5, s: 't' } });
    expect(() => decode(`B${head}\n1:2\n{"i":5,}`, 'test')).toThrow(
      expect.objectContaining({ code: 'EBADMSG' }),
    );
  });
});

/** What the channel sends for a value: the fast path, else JSON.stringify; 'threw' when that throws. */
function encoded(value: unknown): string | undefined | 'threw' {
  try {
    return stringifyFlat(value) ?? JSON.stringify(value);
  } catch {
    return 'threw';
  }
}

function reference(value: unknown): string | undefined | 'threw' {
  try {
    return JSON.stringify(value);
  } catch {
    return 'threw';
  }
}

class Point {
  x = 1;
}

const objects: Array<[string, () => unknown]> = [
  ['{ i }', () => ({ i: 123 })],
  ['{ ok: 1 }', () => ({ ok: 1 })],
  ['{}', () => ({})],
  ['-0', () => ({ a: -0 })],
  ['NaN', () => ({ a: Number.NaN })],
  ['Infinity', () => ({ a: -Infinity })],
  ['1e21', () => ({ a: 1e21 })],
  ['1.5e-7', () => ({ a: 1.5e-7 })],
  ['0.1', () => ({ a: 0.1, b: -2.5 })],
  ['max safe', () => ({ a: Number.MAX_SAFE_INTEGER + 2 })],
  ['quote', () => ({ a: 'x"y' })],
  ['backslash', () => ({ a: 'x\\y' })],
  ['newline', () => ({ a: 'x\ny' })],
  ['control', () => ({ a: '\u0001' })],
  ['DEL', () => ({ a: '\u007f' })],
  ['U+2028', () => ({ a: '\u2028' })],
  ['lone surrogate', () => ({ a: '\ud800' })],
  ['pair', () => ({ a: '😀' })],
  ['latin-1', () => ({ a: 'é' })],
  ['true/false/null', () => ({ t: true, f: false, n: null })],
  ['undefined', () => ({ a: undefined, b: 1 })],
  ['function', () => ({ a() {}, b: 1 })],
  ['symbol value', () => ({ a: Symbol('s'), b: 1 })],
  ['symbol key', () => ({ [Symbol('s')]: 1, b: 1 })],
  ['bigint', () => ({ a: 1n })],
  ['nested', () => ({ a: 1, b: { c: 2 } })],
  ['array value', () => ({ a: [1] })],
  ['Date', () => ({ a: new Date(0) })],
  ['boxed', () => ({ a: Object(1), b: Object('s') })],
  ['toJSON', () => ({ a: 1, toJSON: () => 'x' })],
  ['null prototype', () => Object.assign(Object.create(null), { a: 1 })],
  ['class instance', () => new Point()],
  ['array', () => [1, 2]],
  ['Map', () => new Map([[1, 2]])],
  ['number', () => 5],
  ['string', () => 'x'],
  ['null', () => null],
  ['undefined itself', () => undefined],
  ['key with dash', () => ({ 'a-b': 1 })],
  ['key with quote', () => ({ 'a"b': 1 })],
  ['integer keys', () => ({ b: 1, 2: 2, 1: 1 })],
  ['empty key', () => ({ '': 1 })],
  ['__proto__ own key', () => JSON.parse('{"__proto__":1}')],
  ['non-enumerable', () => Object.defineProperty({ a: 1 }, 'b', { value: 2, enumerable: false })],
  [
    'getter',
    () => ({
      get a() {
        return 7;
      },
    }),
  ],
  ['17 keys', () => Object.fromEntries(Array.from({ length: 17 }, (_, k) => [`k${k}`, k]))],
  ['long string', () => ({ a: 'x'.repeat(300) })],
  [
    'cycle',
    () => {
      const o: Record<string, unknown> = { a: 1 };
      o.self = o;
      return o;
    },
  ],
];

describe('stringifyFlat: the same text as JSON.stringify, or undefined', () => {
  it.each(objects)('%s', (_name, make) => {
    expect(encoded(make())).toBe(reference(make()));
  });

  it('writes the flat objects the channel sends itself', () => {
    expect(stringifyFlat({ i: 123 })).toBe('{"i":123}');
    expect(stringifyFlat({ ok: 1 })).toBe('{"ok":1}');
    expect(stringifyFlat({ a: 'x', b: true, c: false, d: null, e: -0, f: 0.5 })).toBe(
      '{"a":"x","b":true,"c":false,"d":null,"e":0,"f":0.5}',
    );
    expect(stringifyFlat({ a: { b: 1 } })).toBeUndefined();
    expect(stringifyFlat(new Point())).toBeUndefined();
  });

  it('writes a tag before the text, and the same keys again from the pieces it made for them', () => {
    const seq: unknown[] = [
      { i: 1 },
      { id: 2 },
      { i: 3, id: 4 },
      { id: 5, i: 6 },
      {},
      { i: 'x', j: null },
      { i: 7 },
    ];
    for (const tag of ['', 'M', '', 'M', 'M']) {
      for (const o of [...seq, ...seq.reverse()]) expect(stringifyFlat(o, tag)).toBe(tag + JSON.stringify(o));
    }
    expect(encodeMessage({ ok: 1 })).toBe('M{"ok":1}');
    expect(encodeMessage([1])).toBe('M[1]');
    expect(encodeMessage('x')).toBe('M"x"');
    expect(() => encodeMessage(() => 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() =>
      encodeMessage({
        get a() {
          throw new Error('no');
        },
      }),
    ).toThrow(/cannot be serialized \(no\)/);
  });

  it('leaves an object to JSON.stringify while Object.prototype has a toJSON', () => {
    Object.defineProperty(Object.prototype, 'toJSON', {
      value: () => 'polluted',
      configurable: true,
      writable: true,
    });
    try {
      expect(encoded({ i: 1 })).toBe('"polluted"');
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON;
    }
  });

  it('agrees with JSON.stringify on 20000 generated flat-ish objects', () => {
    const rnd = prng(15);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const keys = ['i', 'ok', 'a', 'a1', '$x', '_', 'toString', '', '1', 'é', 'a b', 'a"b', 'i'];
    const values: unknown[] = [
      0,
      -0,
      7,
      -7,
      0.1,
      1e21,
      1e-7,
      Number.NaN,
      Infinity,
      2 ** 53 + 2,
      '',
      'x',
      'a"b',
      'a\\b',
      '\n',
      'é',
      '\u2028',
      '\ud800',
      '😀',
      true,
      false,
      null,
      undefined,
      [],
      {},
      { a: 1 },
    ];
    for (let n = 0; n < 20000; n++) {
      const o: Record<string, unknown> = {};
      const count = Math.floor(rnd() * 5);
      for (let k = 0; k < count; k++)
        o[pick(keys)] = rnd() < 0.4 ? (rnd() - 0.5) * 2 ** (rnd() * 80) : pick(values);
      if (encoded(o) !== reference(o)) throw new Error(`differs from JSON.stringify: ${reference(o)}`);
    }
  });
});
