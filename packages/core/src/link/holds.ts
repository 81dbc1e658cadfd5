// Buffers held in place by a running link: frames pass through them in
// native code, so the lifecycle refuses to unmap, detach or release them
// (LinkHeldError, naming the link) until the link has given them back.
import type { BufferView } from '../buffer-view.js';
import { invalidArgument } from '../errors.js';
import { heldByLink } from '../lifecycle-errors.js';
import { assertString } from '../validate.js';

const holders = new WeakMap<object, string[]>();

/** Hold `buffer` for `holder` (a link's name); the returned function lets go (once). */
export function holdBuffer(buffer: BufferView, holder: string): () => void {
  const list = holders.get(buffer) ?? [];
  holders.set(buffer, list);
  list.push(holder);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    const i = list.indexOf(holder);
    if (i >= 0) list.splice(i, 1);
  };
}

/** Who holds `buffer` in place, if anyone. */
export function holderOf(buffer: object): string | undefined {
  return holders.get(buffer)?.[0];
}

/** Throw LinkHeldError (EBUSY) when a link holds `buffer` (`what`: the call refused, for the message). */
export function assertNotHeld(buffer: BufferView, what: string): void {
  if (!isBuffer(buffer)) throw invalidArgument('buffer', 'a DmaBuf', buffer);
  assertString('what', what);
  const holder = holders.get(buffer)?.[0];
  if (holder !== undefined) throw heldByLink(buffer.label, holder, what);
}

/** A buffer of this framework (something with a label), read without throwing. */
function isBuffer(value: unknown): value is BufferView {
  try {
    return typeof value === 'object' && value !== null && typeof (value as BufferView).label === 'string';
  } catch {
    return false;
  }
}
