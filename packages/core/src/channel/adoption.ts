import type { DmaBuf } from '../dma-buf.js';
import { statFd } from '../fd-ops.js';
import type { Framework } from '../framework.js';
import type { BufferLayout } from '../layout.js';
import { badMessage, copyLayout } from './protocol.js';

/** Forget dead entries once this many claims are remembered. */
const MAX_CLAIMS = 1024;

/**
 * Turns the buffer fds one peer delivers into DmaBufs of a framework. A
 * buffer this peer delivered before and that is still alive, named by the
 * same identity claim, gets one more reference without a syscall (see
 * protocol.ts: a false claim only names the peer's own earlier buffer).
 * Anything else costs exactly one fstat: it checks the layout fits the
 * buffer (a larger one would make a CPU mapping fault past its end) and is
 * handed to the framework, which needs no other; the claim is remembered
 * once that fstat confirmed it.
 */
export class Adoption {
  readonly #framework: Framework;
  readonly #label: string;
  /** Buffers delivered by this peer, by the identity claim fstat confirmed. */
  readonly #claimed = new Map<string, WeakRef<DmaBuf>>();

  constructor(framework: Framework, label: string) {
    this.#framework = framework;
    this.#label = label;
  }

  /** The DmaBuf for a received buffer fd (the caller keeps and closes fd). */
  adopt(fd: number, claim: string, layout: BufferLayout): DmaBuf {
    const known = this.#claimed.get(claim)?.deref();
    if (known !== undefined && !known.released) return known.get();
    const st = statFd(fd);
    if (layout.size > st.size)
      throw badMessage(this.#label, `the layout says ${layout.size} bytes but the buffer has ${st.size}`);
    const buf = this.#framework.getStated(fd, st, copyLayout(layout));
    if (buf.identity === claim) {
      if (this.#claimed.size >= MAX_CLAIMS) {
        for (const [k, ref] of this.#claimed) if (ref.deref()?.released !== false) this.#claimed.delete(k);
      }
      this.#claimed.set(claim, new WeakRef(buf));
    }
    return buf;
  }
}
