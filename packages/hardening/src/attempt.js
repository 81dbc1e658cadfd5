/**
 * One call of the corpus: run it, wait for a promise (bounded), dispose what it made, and say what
 * happened: 'accepted', 'refused' (a typed error), 'pending' (a promise still unsettled when the
 * corpus moved on) or a finding.
 *
 * @typedef {'accepted' | 'refused' | 'pending' | 'finding'} Outcome
 * @typedef {{ category: string, detail: string }} Finding
 * @typedef {{ outcome: Outcome, finding?: Finding, code?: string }} Result
 * @typedef {{ isTyped: (e: unknown) => boolean, isInvalidArgument: (e: unknown) => boolean,
 *   closeFd: (fd: number) => void, timeoutMs: number }} Judge
 */

import { JUNK_ERROR } from './junk.js';

const INVALID = /^Expected (.+) for (\S+) but received (.+?)(\. |$)/s;

/** @param {unknown} v */
export function preview(v) {
  try {
    return previewUnsafe(v);
  } catch {
    return '[a value that throws when looked at]';
  }
}

/** @param {unknown} v */
function previewUnsafe(v) {
  if (typeof v === 'string') return v.length > 24 ? `'${v.slice(0, 24)}…'(${v.length})` : `'${v}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'function';
  if (typeof v === 'symbol') return 'symbol';
  if (v === null || typeof v !== 'object') return String(v);
  try {
    if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
    const s = JSON.stringify(v);
    if (s !== undefined) return s.length > 60 ? `${s.slice(0, 60)}…` : s;
  } catch {}
  return `[${Object.prototype.toString.call(v).slice(8, -1)}]`;
}

/** @param {unknown} e */
function describeError(e) {
  if (e instanceof Error)
    return `${e.name}${'code' in e ? `[${String(e.code)}]` : ''}: ${e.message.slice(0, 160)}`;
  return `a thrown ${typeof e}: ${preview(e)}`;
}

/**
 * @param {unknown} result
 * @param {Judge} judge
 * @param {boolean} returnsFd
 */
async function disposeResult(result, judge, returnsFd) {
  if (returnsFd && typeof result === 'number' && Number.isInteger(result) && result > 2) {
    try {
      judge.closeFd(result);
    } catch {}
    return;
  }
  if (result === null || typeof result !== 'object') return;
  const r = /** @type {Record<symbol, unknown>} */ (result);
  try {
    if (typeof r[Symbol.asyncDispose] === 'function') {
      const p = /** @type {() => Promise<void>} */ (r[Symbol.asyncDispose]).call(result);
      await Promise.race([p, new Promise((res) => setTimeout(res, judge.timeoutMs))]);
    } else if (typeof r[Symbol.dispose] === 'function')
      /** @type {() => void} */ (r[Symbol.dispose]).call(result);
  } catch {}
}

/**
 * @param {Judge} judge
 * @param {() => unknown} invoke
 * @param {{ wrong: string | undefined, argNames: Set<string>, returnsFd: boolean, lenient?: string, named?: boolean }} about
 * @returns {Promise<Result>}
 */
export async function attempt(judge, invoke, about) {
  /** @type {unknown} */
  let result;
  /** @type {unknown} */
  let error;
  let threw = false;
  try {
    result = invoke();
    if (result && typeof (/** @type {{ then?: unknown }} */ (result).then) === 'function') {
      const p = Promise.resolve(result);
      const PENDING = Symbol('pending');
      /** @type {NodeJS.Timeout | undefined} */
      let timer;
      const settled = await Promise.race([
        p,
        new Promise((res) => {
          timer = setTimeout(() => res(PENDING), judge.timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (settled === PENDING) {
        // left running: its eventual value is disposed, its eventual error judged harmless here
        p.then(
          (v) => disposeResult(v, judge, about.returnsFd),
          () => undefined,
        );
        return { outcome: 'pending' };
      }
      result = settled;
    }
  } catch (e) {
    threw = true;
    error = e;
  }
  if (!threw) {
    await disposeResult(result, judge, about.returnsFd);
    if (about.wrong !== undefined && !about.lenient)
      return {
        outcome: 'finding',
        finding: { category: 'accepted-wrong-type', detail: `accepted a wrong type for ${about.wrong}` },
      };
    return { outcome: 'accepted' };
  }
  if (error && typeof error === 'object' && /** @type {Record<symbol, unknown>} */ (error)[JUNK_ERROR])
    return { outcome: 'refused', code: 'caller-error' }; // the caller's own exception, passed on
  if (!judge.isTyped(error))
    return { outcome: 'finding', finding: { category: 'untyped-error', detail: describeError(error) } };
  const err = /** @type {Error & { code: string }} */ (error);
  if (about.named !== false && judge.isInvalidArgument(err)) {
    const m = INVALID.exec(err.message);
    if (!m)
      return {
        outcome: 'finding',
        finding: { category: 'invalid-argument-message', detail: describeError(err) },
      };
    const root = /** @type {string} */ (m[2]).split(/[.[]/)[0] ?? '';
    if (about.argNames.size && !about.argNames.has(root))
      return {
        outcome: 'finding',
        finding: {
          category: 'invalid-argument-name',
          detail: `names '${m[2]}', not one of its parameters (${[...about.argNames].join(', ')}): ${err.message.slice(0, 120)}`,
        },
      };
  }
  return { outcome: 'refused', code: err.code };
}

export { describeError };
