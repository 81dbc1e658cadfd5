/**
 * JSON.parse for the channel's small messages, without JSON.parse's fixed
 * cost (~2.3k instructions for a 9-character `{"i":123}`, most of it setting
 * up the parser). parseFlatJson reads only the small flat form
 * JSON.stringify writes for a flat object: no whitespace, identifier-like
 * keys that Object.prototype does not have (not `__proto__`, `toString`,
 * ...), values that are integers of up to 15 digits,
 * strings without escapes, true, false and null. For anything else it gives
 * NOT_FLAT and the caller calls JSON.parse, so what comes out is always
 * what JSON.parse gives, invalid JSON included (JSON.parse throws).
 */

/** parseFlatJson's answer for text outside the small flat form: ask JSON.parse. */
export const NOT_FLAT: unique symbol = Symbol('not flat JSON');

/** Texts longer than this go to JSON.parse (its fixed cost no longer matters). */
const MAX_FLAT_CHARS = 256;
/** Integers of up to 15 digits are exact in a double, whatever their value. */
const MAX_DIGITS = 15;

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** A-Z a-z _ $ */
const isIdStart = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x24;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/**
 * The key last read at each position (0 to KEY_SLOTS - 1), reused when the
 * text has the same key there again: a property key V8 has seen before is
 * an internalized string, so storing it and testing it against
 * Object.prototype skip the string-table lookup a fresh slice needs (~800
 * instructions a message once the store sees several key names).
 */
const KEY_SLOTS = 8;
const lastKeys: string[] = new Array<string>(KEY_SLOTS).fill('');

/**
 * `text` from `start` on (a message's JSON after its tag, without slicing
 * it off) parsed as JSON.parse would, when it is a small flat object (see
 * above); NOT_FLAT otherwise (nothing thrown: the caller's JSON.parse
 * decides, and throws for invalid JSON).
 */
export function parseFlatJson(text: string, start = 0): unknown {
  const n = text.length;
  if (n - start < 2 || n - start > MAX_FLAT_CHARS || text.charCodeAt(start) !== OPEN) return NOT_FLAT;
  const o: Record<string, unknown> = {};
  if (text.charCodeAt(start + 1) === CLOSE) return n === start + 2 ? o : NOT_FLAT;
  let i = start + 1;
  for (let slot = 0; ; slot++) {
    // "key": identifier characters only
    if (text.charCodeAt(i) !== QUOTE || !isIdStart(text.charCodeAt(i + 1))) return NOT_FLAT;
    const keyAt = i + 1;
    let key = slot < KEY_SLOTS ? lastKeys[slot]! : '';
    let c: number;
    if (key !== '' && text.charCodeAt(keyAt + key.length) === QUOTE && text.startsWith(key, keyAt)) {
      // the same key as last time here (an identifier, so the quote ends it)
      i = keyAt + key.length;
      c = QUOTE;
    } else {
      i += 2;
      c = text.charCodeAt(i);
      while (isIdStart(c) || isDigit(c)) c = text.charCodeAt(++i);
      if (c !== QUOTE) return NOT_FLAT;
      key = text.slice(keyAt, i);
      if (slot < KEY_SLOTS) lastKeys[slot] = key;
    }
    if (text.charCodeAt(i + 1) !== COLON) return NOT_FLAT;
    // JSON.parse defines an own property; an assignment would meet what Object.prototype
    // has under that name (__proto__ sets the prototype; a frozen toString throws)
    if (key in Object.prototype) return NOT_FLAT;
    i += 2;
    c = text.charCodeAt(i);
    let value: unknown;
    if (c === QUOTE) {
      // a string without escapes: any character from U+0020 on but " and \
      const at = i + 1;
      c = text.charCodeAt(++i);
      while (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) c = text.charCodeAt(++i);
      if (c !== QUOTE) return NOT_FLAT;
      value = text.slice(at, i);
      i++;
    } else if (c === MINUS || isDigit(c)) {
      // an integer: -?(0|[1-9][0-9]*), at most MAX_DIGITS digits; fractions and exponents go to JSON.parse
      const negative = c === MINUS;
      if (negative) c = text.charCodeAt(++i);
      const at = i;
      let v = 0;
      while (isDigit(c)) {
        v = v * 10 + (c - ZERO);
        c = text.charCodeAt(++i);
      }
      const digits = i - at;
      if (digits === 0 || digits > MAX_DIGITS) return NOT_FLAT;
      if (digits > 1 && text.charCodeAt(at) === ZERO) return NOT_FLAT; // leading zero: not JSON
      if (c === DOT || c === 0x65 || c === 0x45) return NOT_FLAT; // . e E
      value = negative ? -v : v; // -0 stays -0, as JSON.parse gives
    } else if (c === 0x74 && text.startsWith('true', i)) {
      value = true;
      i += 4;
    } else if (c === 0x66 && text.startsWith('false', i)) {
      value = false;
      i += 5;
    } else if (c === 0x6e && text.startsWith('null', i)) {
      value = null;
      i += 4;
    } else {
      return NOT_FLAT;
    }
    o[key] = value; // a repeated key: the last one wins, in the first one's place, as JSON.parse does
    c = text.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    return c === CLOSE && i === n - 1 ? o : NOT_FLAT;
  }
}

/**
 * stringifyFlat's piece before each place's value ('{"k":' at the first,
 * with the tag before it, ',"k":' after), by the key it was made for: the
 * same keys again (Object.keys gives the same strings) cost no string
 * additions for them.
 */
const pieceKeys: string[] = new Array<string>(KEY_SLOTS).fill('');
const pieces: string[] = new Array<string>(KEY_SLOTS).fill('');
let firstTag = '';

/** Objects with more keys than this go to JSON.stringify. */
const MAX_FLAT_KEYS = 16;

/** A key JSON.stringify writes as it is: identifier characters only. */
function plainKey(k: string): boolean {
  const n = k.length;
  if (n === 0 || n > 64 || !isIdStart(k.charCodeAt(0))) return false;
  for (let i = 1; i < n; i++) {
    const c = k.charCodeAt(i);
    if (!isIdStart(c) && !isDigit(c)) return false;
  }
  return true;
}

/** A string JSON.stringify writes as it is between quotes: no control character, quote, backslash or surrogate. */
function plainString(s: string): boolean {
  const n = s.length;
  if (n > MAX_FLAT_CHARS) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === QUOTE || c === BACKSLASH || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/**
 * JSON.stringify(value) when value is a flat plain object (its prototype
 * Object.prototype, no toJSON, at most 16 own enumerable keys of identifier
 * characters, each value a finite number, a string without characters
 * JSON escapes, true, false or null); undefined otherwise (the caller calls
 * JSON.stringify). Properties are read in JSON.stringify's order, each once;
 * when a later one turns out not flat (a nested object), JSON.stringify
 * reads them all again: only a getter with side effects (or a proxy's
 * traps, which also see a getPrototypeOf) could tell. tag: written before
 * the text (a message's one-letter tag), in its first piece rather than
 * added after.
 */
export function stringifyFlat(value: unknown, tag = ''): string | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return undefined;
  if ((value as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  const keys = Object.keys(value);
  const n = keys.length;
  if (n > MAX_FLAT_KEYS) return undefined;
  // few string additions (each one copies the short string so far): the key and its
  // punctuation in one piece (the one made last time for this key at this place), then the value
  let out = '';
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let key: string;
    if (i < KEY_SLOTS && pieceKeys[i] === k && (i > 0 || firstTag === tag)) key = pieces[i]!;
    else {
      if (!plainKey(k)) return undefined;
      key = i === 0 ? `${tag}{"${k}":` : `,"${k}":`;
      if (i < KEY_SLOTS) {
        pieceKeys[i] = k;
        pieces[i] = key;
        if (i === 0) firstTag = tag;
      }
    }
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return undefined;
      out += key + v;
    } else if (typeof v === 'string') {
      if (!plainString(v)) return undefined;
      out += `${key}"${v}"`;
    } else if (v === true) out += `${key}true`;
    else if (v === false) out += `${key}false`;
    else if (v === null) out += `${key}null`;
    else return undefined;
  }
  return n === 0 ? `${tag}{}` : `${out}}`;
}
