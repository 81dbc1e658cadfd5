import { closeSync, openSync } from 'node:fs';
import type { DmaBuf } from '../dma-buf.js';
import { ERRNO } from '../errno.js';
import { DmaBufError, invalidArgument } from '../errors.js';
import type { BufferLayout, PlaneLayout } from '../layout.js';
import { NOT_FLAT, parseFlatJson, stringifyFlat } from './flat-json.js';
import { FDS_CUT, MAX_MESSAGE_BYTES, PREFIXED, TEXT_CUT } from './unix-socket.js';

/**
 * The wire format, all of it (the socket layer below moves bytes and fds
 * only): one SOCK_SEQPACKET message per item, text = a one-letter tag + JSON,
 * and the fds as SCM_RIGHTS.
 *   H{"v":2}                         server → client: accepted (first message)
 *   R{"reason":"…"}                  server → client: refused, then closed
 *   B{"l":layout,"e":exporter,"x":expName}\n<dev>:<ino>[\n<meta json>] + 1 fd: a buffer
 *   M<json>                          a plain message, no fd
 * The layout's bigint modifier travels as a decimal string (with the
 * exporter's reason for it, modifierReason). A buffer's head
 * (before the first newline, which JSON text never contains) is the same
 * every time that buffer is sent, so the receiver parses each distinct head
 * once. `<dev>:<ino>` is the sender's claim of the buffer's identity (its
 * fstat): the receiver verifies it the first time (fstat of the fd) and,
 * while the buffer it verified is alive, trusts the same claim from the same
 * peer without another syscall. A false claim can only name a buffer that
 * peer itself sent before, so it gains the peer nothing. The receiver asks
 * the socket layer to strip a head it has parsed before (Head.prefix: 'B' +
 * head + newline), so a repeated head is neither copied nor parsed again.
 */
export const PROTOCOL_VERSION = 2;
export const HELLO = `H{"v":${PROTOCOL_VERSION}}`;

export type Decoded =
  | { kind: 'hello'; version: number }
  | { kind: 'refused'; reason: string }
  | {
      kind: 'buffer';
      layout: BufferLayout;
      exporter: string;
      expName: string;
      meta: unknown;
      /** The sender's identity claim for the buffer ('dev:ino'; see above). */
      claim: string;
      /** The parsed head, when it is cached: worth asking the socket to strip next time (Head.prefix). */
      head?: Head | undefined;
    }
  | { kind: 'message'; message: unknown };

/** A message that breaks the wire format (code EBADMSG). */
export function badMessage(what: string, detail: string): DmaBufError {
  return new DmaBufError(`${what}: malformed message: ${detail}`, {
    code: 'EBADMSG',
    hint: 'Both ends must run @dmabuf/core BufferChannel of the same protocol version; any fds that came with it were closed',
  });
}

/** A buffer's message text before its meta: without meta, and with (ending in the newline before the meta). */
export interface BufferText {
  bare: string;
  withMeta: string;
}

const prefixes = new WeakMap<DmaBuf, BufferText>();

function layoutJson(l: BufferLayout): string {
  return JSON.stringify({
    size: l.size,
    ...(l.width !== undefined ? { width: l.width } : {}),
    ...(l.height !== undefined ? { height: l.height } : {}),
    ...(l.format !== undefined ? { format: l.format } : {}),
    ...(l.modifier !== undefined ? { modifier: l.modifier.toString() } : {}),
    ...(l.modifierReason !== undefined ? { modifierReason: l.modifierReason } : {}),
    planes: l.planes.map((p) => ({ offset: p.offset, pitch: p.pitch, size: p.size })),
  });
}

/** value as JSON, after tag (a message's one-letter tag; '' for none). */
function jsonOf(value: unknown, name: string, tag = ''): string {
  let text: string | undefined;
  try {
    // a flat object ({ i: 12 }) without JSON.stringify's fixed cost (flat-json.ts), the same text
    const flat = stringifyFlat(value, tag);
    if (flat !== undefined) return flat;
    text = JSON.stringify(value);
  } catch (e) {
    throw invalidArgument(
      name,
      'a JSON-able value',
      value,
      `It cannot be serialized (${e instanceof Error ? e.message : String(e)}): send plain objects, strings, numbers (bigints as strings)`,
    );
  }
  if (text === undefined)
    throw invalidArgument(
      name,
      'a JSON-able value',
      value,
      'Functions, symbols and undefined cannot be sent',
    );
  return tag === '' ? text : tag + text;
}

function checkSize(text: string, name: string): string {
  if (text.length * 3 > MAX_MESSAGE_BYTES && Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
    throw invalidArgument(
      name,
      `at most ${MAX_MESSAGE_BYTES} bytes of JSON`,
      `${Buffer.byteLength(text)} bytes`,
      'Send large data through a buffer, not in meta',
    );
  }
  return text;
}

/** A buffer message's text up to its meta: 'B' + head + '\n' + identity claim [+ '\n'] (computed once per buffer). */
export function bufferText(buf: DmaBuf): BufferText {
  let text = prefixes.get(buf);
  if (text === undefined) {
    // Each a flat string (join copies its parts into one): a template literal
    // leaves a tree of its pieces, which every batch's joined texts would walk
    // again (unix-socket.ts sendBatch; ~400 instructions a message).
    const bare = [
      'B{"l":',
      layoutJson(buf.layout),
      ',"e":',
      JSON.stringify(buf.exporter.name),
      ',"x":',
      JSON.stringify(buf.expName),
      '}\n',
      buf.identity,
    ].join('');
    text = { bare, withMeta: [bare, '\n'].join('') };
    prefixes.set(buf, text);
  }
  return text;
}

/**
 * The meta part of a buffer message (JSON), undefined for none; the whole
 * message (withMeta + meta) must fit MAX_MESSAGE_BYTES. Sent as a second
 * string after BufferText.withMeta (the socket joins them), so no joined
 * string is built per message.
 */
export function encodeMeta(prefix: string, meta: unknown): string | undefined {
  if (meta === undefined) return undefined;
  const json = jsonOf(meta, 'meta');
  const chars = prefix.length + 1 + json.length;
  if (
    chars * 3 > MAX_MESSAGE_BYTES &&
    Buffer.byteLength(prefix) + 1 + Buffer.byteLength(json) > MAX_MESSAGE_BYTES
  ) {
    throw invalidArgument(
      'meta',
      `at most ${MAX_MESSAGE_BYTES} bytes of JSON`,
      `${Buffer.byteLength(json)} bytes`,
      'Send large data through a buffer, not in meta',
    );
  }
  return json;
}

export function encodeMessage(message: unknown): string {
  return checkSize(jsonOf(message, 'message', 'M'), 'message');
}

export function encodeRefused(reason: string): string {
  return `R${JSON.stringify({ reason })}`;
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseLayout(v: unknown, what: string): BufferLayout {
  if (typeof v !== 'object' || v === null) throw badMessage(what, 'no layout');
  const o = v as Record<string, unknown>;
  if (!isUint(o.size) || o.size === 0) throw badMessage(what, 'layout.size is not a positive integer');
  const layout: BufferLayout = { size: o.size, planes: [] };
  for (const k of ['width', 'height'] as const) {
    if (o[k] === undefined) continue;
    if (!isUint(o[k])) throw badMessage(what, `layout.${k} is not an integer`);
    layout[k] = o[k];
  }
  if (o.format !== undefined) {
    if (typeof o.format !== 'string' || o.format.length > 4)
      throw badMessage(what, 'layout.format is not a fourcc');
    layout.format = o.format;
  }
  if (o.modifier !== undefined) {
    if (typeof o.modifier !== 'string' || !/^\d{1,20}$/.test(o.modifier) || BigInt(o.modifier) >= 2n ** 64n) {
      throw badMessage(what, 'layout.modifier is not a 64-bit decimal string');
    }
    layout.modifier = BigInt(o.modifier);
  }
  if (o.modifierReason !== undefined) {
    if (typeof o.modifierReason !== 'string' || o.modifierReason.length > 1024)
      throw badMessage(what, 'layout.modifierReason is not a string of at most 1024 characters');
    layout.modifierReason = o.modifierReason;
  }
  if (!Array.isArray(o.planes) || o.planes.length === 0 || o.planes.length > 4)
    throw badMessage(what, 'layout.planes is not 1 to 4 planes');
  for (const p of o.planes as unknown[]) {
    const q = (p ?? {}) as Record<string, unknown>;
    if (!isUint(q.offset) || !isUint(q.pitch) || !isUint(q.size) || q.offset + q.size > layout.size) {
      throw badMessage(what, 'a plane is not { offset, pitch, size } inside the buffer');
    }
    layout.planes.push({ offset: q.offset, pitch: q.pitch, size: q.size } satisfies PlaneLayout);
  }
  return layout;
}

/** A buffer message's head (the text between 'B' and the newline), parsed. */
export interface Head {
  /** The head text itself. */
  readonly text: string;
  /** How a message with this head begins on the wire ('B' + text + '\n'): what the socket may strip. */
  readonly prefix: string;
  layout: BufferLayout;
  exporter: string;
  expName: string;
}

/** Parsed buffer heads by their exact text (bounded: cleared when full). */
const heads = new Map<string, Head>();
const MAX_HEADS = 256;
/** Heads longer than this (no real layout is) are parsed every time, never cached. */
const MAX_HEAD_CHARS = 1024;

/**
 * The JSON in text from `start` on. part: what it is ('meta', ...), or the
 * one-letter tag of a message whose body it is (named only in the error).
 */
function parseJson(text: string, start: number, what: string, part: string | undefined): unknown {
  // a flat object ({"i":12}) without JSON.parse's fixed cost (flat-json.ts), the same value
  const flat = parseFlatJson(text, start);
  if (flat !== NOT_FLAT) return flat;
  try {
    return JSON.parse(start === 0 ? text : text.slice(start));
  } catch {
    const name =
      part === undefined ? 'empty message' : part.length === 1 ? `${JSON.stringify(part)} body` : part;
    throw badMessage(what, `the ${name} is not JSON`);
  }
}

function parseHead(text: string, what: string): Head {
  let head = heads.get(text);
  if (head) return head;
  const body = parseJson(text, 0, what, 'buffer header');
  if (typeof body !== 'object' || body === null) throw badMessage(what, 'buffer header is not an object');
  const b = body as Record<string, unknown>;
  if (typeof b.e !== 'string' || typeof b.x !== 'string')
    throw badMessage(what, 'buffer header lacks exporter names');
  head = { text, prefix: `B${text}\n`, layout: parseLayout(b.l, what), exporter: b.e, expName: b.x };
  if (text.length <= MAX_HEAD_CHARS) {
    if (heads.size >= MAX_HEADS) heads.clear();
    heads.set(text, head);
  }
  return head;
}

/** A fresh copy: each DmaBuf gets a layout object of its own (decode hands out a shared one). */
export function copyLayout(l: BufferLayout): BufferLayout {
  return { ...l, planes: l.planes.map((p) => ({ offset: p.offset, pitch: p.pitch, size: p.size })) };
}

/** Parse one message's text; throws EBADMSG (the caller closes the fds). */
export function decode(text: string, what: string): Decoded {
  const tag = text[0];
  if (tag === 'B') {
    const nl = text.indexOf('\n');
    if (nl < 0) throw badMessage(what, "a buffer message lacks the sender's identity claim");
    const head = parseHead(text.slice(1, nl), what);
    return decodeRest(head.text.length <= MAX_HEAD_CHARS ? head : undefined, head, text.slice(nl + 1), what);
  }
  const body = parseJson(text, 1, what, tag);
  switch (tag) {
    case 'M':
      return { kind: 'message', message: body };
    case 'H': {
      const v = (body as { v?: unknown } | null)?.v;
      if (!isUint(v)) throw badMessage(what, 'hello without a version');
      return { kind: 'hello', version: v };
    }
    case 'R': {
      const r = (body as { reason?: unknown } | null)?.reason;
      return { kind: 'refused', reason: typeof r === 'string' ? r : 'no reason given' };
    }
    default:
      throw badMessage(what, `unknown tag ${JSON.stringify(tag)}`);
  }
}

/** Whether this process is at its fd limit (opening one more fails with EMFILE). */
function outOfFds(): boolean {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EMFILE';
  }
}

/**
 * A message as it came off the socket (its text, flags and number of fds),
 * checked and parsed; throws EBADMSG (the caller closes its fds). `head`:
 * the head whose prefix the socket was asked to strip when it read this
 * message (PREFIXED: text is what followed it, so only the claim and the
 * meta are left to parse).
 */
export function decodeReceived(
  text: string,
  flags: number,
  fds: number,
  head: Head | undefined,
  what: string,
): Decoded {
  if (flags & FDS_CUT) {
    // The kernel cuts the fds of a message for two reasons: more than we take (16), or no fd free here.
    if (outOfFds())
      throw new DmaBufError(`${what}: a message's fds could not be received: this process has no fd free`, {
        code: 'EMFILE',
        errno: ERRNO.EMFILE,
        syscall: 'recvmsg',
        hint: 'Close fds you no longer need, or raise the limit (ulimit -n); the message was dropped, the channel goes on',
      });
    throw badMessage(what, 'it came with more than 16 fds (those that arrived were closed)');
  }
  if (flags & TEXT_CUT) throw badMessage(what, `it is longer than ${MAX_MESSAGE_BYTES} bytes`);
  const d = flags & PREFIXED && head ? decodeRest(head, head, text, what) : decode(text, what);
  if (d.kind === 'buffer') {
    if (fds !== 1) throw badMessage(what, `a buffer message came with ${fds} fds instead of 1`);
  } else if (d.kind === 'message' && fds) {
    throw badMessage(what, `a plain message came with ${fds} fd(s)`);
  }
  return d;
}

/** A claim longer than this is not 'dev:ino'. */
const MAX_CLAIM_CHARS = 48;

/** rest = '<claim>' or '<claim>\n<meta json>'. */
function decodeRest(known: Head | undefined, head: Head, rest: string, what: string): Decoded {
  const nl = rest.indexOf('\n');
  const claim = nl < 0 ? rest : rest.slice(0, nl);
  if (claim.length === 0 || claim.length > MAX_CLAIM_CHARS)
    throw badMessage(what, "a buffer message's identity claim is not dev:ino");
  return {
    kind: 'buffer',
    layout: head.layout,
    exporter: head.exporter,
    expName: head.expName,
    meta: nl < 0 ? undefined : parseJson(rest, nl + 1, what, 'meta'),
    claim,
    head: known,
  };
}
