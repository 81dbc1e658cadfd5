import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { attempt, describeError, preview } from './attempt.js';
import { argsArb, wrongArgument } from './junk.js';
import { readSignatures } from './signatures.js';

/**
 * @typedef {import('./signatures.js').Signature} Signature
 * @typedef {import('./attempt.js').Judge} Judge
 * @typedef {{ skip?: string, returnsFd?: boolean, lenient?: string, aliases?: string[], named?: string,
 *   noInstance?: string,
 *   make?: (ctx: any) => unknown | Promise<unknown>, skipMethods?: Record<string, string>,
 *   runs?: number }} Classification
 * @typedef {{ entry: string, setup?: () => Promise<any>, teardown?: (ctx: any) => Promise<void> | void,
 *   exports: Record<string, Classification>, isTyped?: (e: unknown) => boolean,
 *   isInvalidArgument?: (e: unknown) => boolean }} Spec
 * @typedef {{ calls: number, accepted: number, refused: number, pending: number, findings: number }} Counts
 * @typedef {{ target: string, category: string, detail: string, args: string }} FindingRecord
 */

const BUILTIN_PROTOS = new Set([
  Object.prototype,
  Function.prototype,
  Error.prototype,
  EventEmitter.prototype,
]);

/** @param {Function} f */
const isClass = (f) => /^class[\s{]/.test(Function.prototype.toString.call(f));

/**
 * The declaration file of a package entry, from its package.json `exports`.
 * @param {string} entry e.g. '@dmabuf/core/testing'
 */
export async function declarationOf(entry) {
  if (entry.startsWith('file:')) return fileURLToPath(entry).replace(/\.js$/, '.d.ts');
  const m = /^(@[^/]+\/[^/]+)(\/.*)?$/.exec(entry);
  if (!m) throw new Error(`not a scoped package entry: ${entry}`);
  const pkgJsonPath = fileURLToPath(import.meta.resolve(`${m[1]}/package.json`));
  const pkg = JSON.parse(await readFile(pkgJsonPath, 'utf8'));
  const sub = m[2] ? `.${m[2]}` : '.';
  const types = pkg.exports?.[sub]?.types;
  if (!types) throw new Error(`${entry}: no "types" for ${sub} in ${pkgJsonPath}`);
  return join(dirname(pkgJsonPath), types);
}

/** @param {object} proto @returns {Map<string | symbol, PropertyDescriptor>} */
function membersOf(proto) {
  /** @type {Map<string | symbol, PropertyDescriptor>} */
  const out = new Map();
  for (let p = proto; p && !BUILTIN_PROTOS.has(p); p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === 'constructor' || out.has(key)) continue;
      if (key === Symbol.asyncIterator || key === Symbol.iterator) continue; // iterators wait for data
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (d) out.set(key, d);
    }
  }
  return out;
}

/**
 * Run the corpus over one package entry.
 * @param {{ spec: Spec, runs: number, seed: number, timeoutMs: number, judge: Omit<Judge, 'timeoutMs'>,
 *   progress?: (target: string) => void }} opts
 */
export async function runCorpus({ spec, runs, seed, timeoutMs, judge: j, progress }) {
  /** @type {Judge} */
  const judge = { ...j, timeoutMs };
  const mod = await import(spec.entry);
  const sigs = readSignatures(await declarationOf(spec.entry));
  /** @type {Record<string, Counts>} */
  const targets = {};
  /** @type {FindingRecord[]} */
  const findings = [];
  /** @type {Record<string, string>} */
  const skipped = {};
  let current = '';
  /** @param {string} target @returns {Counts} */
  const counts = (target) => {
    const t = targets[target] ?? { calls: 0, accepted: 0, refused: 0, pending: 0, findings: 0 };
    targets[target] = t;
    return t;
  };
  const note = (/** @type {string} */ target, /** @type {string} */ category, detail = '', args = '') => {
    if (findings.filter((f) => f.target === target && f.category === category).length < 3)
      findings.push({ target, category, detail, args });
    const t = counts(target);
    t.findings++;
  };
  const onRejection = (/** @type {unknown} */ e) =>
    note(current || spec.entry, 'unhandled-rejection', describeError(e));
  const onException = (/** @type {unknown} */ e) => {
    process.stderr.write(`CORPUS-UNCAUGHT ${current}: ${e instanceof Error ? e.stack : String(e)}\n`);
    note(current || spec.entry, 'uncaught-exception', describeError(e));
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);

  const runtime = Object.keys(mod).filter((k) => k !== 'default' || mod.default !== undefined);
  for (const name of runtime)
    if (!spec.exports[name])
      note(name, 'unclassified', `${spec.entry} exports ${name}: classify it in the corpus spec`);
  for (const name of Object.keys(spec.exports))
    if (!(name in mod)) note(name, 'stale-classification', `${spec.entry} no longer exports ${name}`);

  let h = seed;
  /**
   * @param {string} label
   * @param {Signature[]} signatures
   * @param {(args: unknown[]) => unknown} invoke
   * @param {Classification} c
   * @param {number} n
   */
  const fuzz = async (label, signatures, invoke, c, n) => {
    current = label;
    progress?.(label);
    // an argument, or a field of an object argument ('size' of fw.export(options)), may be named
    const argNames = new Set([
      ...signatures.flatMap((s) => s.params.flatMap((p) => [p.name, ...p.props])),
      ...(c.aliases ?? []),
    ]);
    const t = counts(label);
    h = (h * 31 + label.length * 7919) >>> 0;
    for (const args of fc.sample(argsArb(signatures), { numRuns: n, seed: h })) {
      t.calls++;
      if (process.env.CORPUS_TRACE) process.stderr.write(`  call ${args.map(preview).join(', ')}\n`);
      const r = await attempt(judge, () => invoke(args), {
        wrong: wrongArgument(signatures, args),
        argNames,
        named: !c.named,
        returnsFd: !!c.returnsFd,
        ...(c.lenient ? { lenient: c.lenient } : {}),
      });
      if (r.outcome === 'finding' && r.finding)
        note(label, r.finding.category, r.finding.detail, args.map(preview).join(', '));
      else t[/** @type {'accepted' | 'refused' | 'pending'} */ (r.outcome)]++;
      // let the event loop turn: unhandled rejections are reported at the end of a macrotask
      if (t.calls % 10 === 0) await new Promise((res) => setImmediate(res));
    }
    await new Promise((res) => setImmediate(res));
  };

  const ctx = spec.setup ? await spec.setup() : {};
  try {
    for (const name of runtime) {
      const c = spec.exports[name];
      if (!c) continue;
      if (c.skip) {
        skipped[name] = c.skip;
        continue;
      }
      const value = mod[name];
      const info = sigs.get(name);
      const n = c.runs ?? runs;
      if (typeof value === 'function' && isClass(value)) {
        if (info?.constructs.length && info.constructs.every((s) => s.internal))
          skipped[`new ${name}`] = 'internal constructor (@internal in its declaration): made by the library';
        else await fuzz(`new ${name}`, info?.constructs ?? [], (a) => Reflect.construct(value, a), c, n);
        for (const key of Object.getOwnPropertyNames(value)) {
          if (['length', 'name', 'prototype'].includes(key) || typeof value[key] !== 'function') continue;
          await fuzz(`${name}.${key}`, info?.statics[key] ?? [], (a) => value[key](...a), c, n);
        }
        const methods = [...membersOf(value.prototype).values()].filter((d) => typeof d.value === 'function');
        if (c.noInstance) {
          skipped[`${name}#methods`] = c.noInstance;
          continue;
        }
        if (!c.make) {
          if (methods.length) note(name, 'no-instance', 'its methods are not called: give the spec a make()');
          continue;
        }
        await fuzzMethods(name, value, info, c, ctx, n);
      } else if (typeof value === 'function') {
        await fuzz(name, info?.calls ?? [], (a) => value(...a), c, n);
      } else if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const key of Object.keys(value))
          if (typeof value[key] === 'function')
            await fuzz(`${name}.${key}`, info?.statics[key] ?? [], (a) => value[key](...a), c, n);
      }
    }
  } finally {
    current = '';
    await spec.teardown?.(ctx);
  }

  /**
   * @param {string} name
   * @param {Function} cls
   * @param {import('./signatures.js').ExportInfo | undefined} info
   * @param {Classification} c
   * @param {any} context
   * @param {number} n
   */
  async function fuzzMethods(name, cls, info, c, context, n) {
    const make = /** @type {NonNullable<Classification['make']>} */ (c.make);
    const members = membersOf(cls.prototype);
    /** @type {unknown} */
    let probe;
    try {
      probe = await make(context);
    } catch (e) {
      skipped[`${name}#methods`] = `no instance here: ${describeError(e)}`;
      return;
    }
    // getters first, on one instance
    current = `${name}#getters`;
    const g = counts(current);
    for (const [key, d] of members) {
      if (!d.get) continue;
      g.calls++;
      const r = await attempt(judge, () => Reflect.get(/** @type {object} */ (probe), key), {
        wrong: undefined,
        argNames: new Set(),
        returnsFd: false,
      });
      if (r.outcome === 'finding' && r.finding)
        note(`${name}#${String(key)}`, r.finding.category, r.finding.detail);
      else g[/** @type {'accepted' | 'refused' | 'pending'} */ (r.outcome)]++;
    }
    await attempt(judge, () => probe, { wrong: undefined, argNames: new Set(), returnsFd: false }); // disposes it
    for (const [key, d] of members) {
      if (typeof d.value !== 'function') continue;
      const label = `${name}#${typeof key === 'symbol' ? key.description : key}`;
      const why =
        c.skipMethods?.[String(typeof key === 'symbol' ? key.description : key)] ??
        (typeof key === 'string' && info?.internal.has(key)
          ? 'internal method (@internal in its declaration): called by the library'
          : undefined) ??
        (typeof key === 'string' && key.startsWith('#') ? 'private' : undefined);
      if (why) {
        skipped[label] = why;
        continue;
      }
      /** @type {any} */
      let inst;
      try {
        inst = await make(context);
      } catch (e) {
        note(label, 'make-failed', describeError(e));
        continue;
      }
      const sig = typeof key === 'string' ? (info?.methods[key] ?? []) : [];
      await fuzz(label, sig, (a) => inst[key](...a), c, n);
      await attempt(judge, () => inst, { wrong: undefined, argNames: new Set(), returnsFd: false });
    }
  }

  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  const totals = { calls: 0, accepted: 0, refused: 0, pending: 0, findings: 0 };
  for (const t of Object.values(targets))
    for (const k of /** @type {(keyof Counts)[]} */ (Object.keys(totals))) totals[k] += t[k];
  return { entry: spec.entry, exports: runtime.length, targets, totals, findings, skipped, seed };
}
