import type { DmaBuf } from '../dma-buf.js';
import { errnoName } from '../errno.js';
import { DmaBufError, invalidArgument, LifecycleError } from '../errors.js';
import { holdBuffer } from './holds.js';
import { checkLinkOptions, type LinkOptions, type TapFrame } from './link-options.js';
import { type LinkStats, statsOf } from './link-stats.js';
import { LINK_EVENT, LINK_SIDE, type LinkHandle, linkNative } from './native-link.js';
import { isLinkPort, type LinkPort } from './port.js';

/** What failed, by the engine's code (LinkEngine::Op). */
const OPS = ['stop', 'start', 'dequeue', 'requeue', 'submit', 'collect', 'poll'] as const;

/**
 * How long a port owner's close() waits, at most, for what the sink still has in flight (a page
 * flip: one frame, normally) before the link's thread is joined and the rest abandoned.
 */
const STOP_NOW_WAIT_MS = 200;

/** Where a link is: made (`ready`), `running`, `stopping` (buffers coming back), `ended`. */
export type LinkState = 'ready' | 'running' | 'stopping' | 'ended';

/**
 * A source linked to a sink: frames go dequeue → submit → give back in
 * native code, on a thread of the link's own (epoll on the ports' fds),
 * without a call into JavaScript, a visit to Node's event loop or an
 * allocation per frame. JavaScript keeps control: start(), stop() (settles
 * when every buffer is back with its owner), an AbortSignal, `stats` at any
 * time, batched onStats, an optional tap.
 *
 * While the link exists it holds every buffer of both ports: unmap, detach
 * and release are refused with LinkHeldError. A failure of either side (the
 * camera unplugged, the display gone) stops the link: every buffer goes
 * back, `done` rejects with the driver's typed error (DeviceLostError, ...).
 */
export class Link implements AsyncDisposable {
  /** 'link <source> → <sink>': how errors and holds name this link. */
  readonly name: string;
  /** The port frames come from. */
  readonly source: LinkPort;
  /** The port frames go to. */
  readonly sink: LinkPort;
  /** Settles when the link has ended: its final stats, or the error that ended it. */
  readonly done: Promise<LinkStats>;
  readonly #handle: LinkHandle;
  readonly #raw = new Float64Array(linkNative().LINK_STAT_COUNT);
  readonly #release: (() => void)[] = [];
  readonly #options: LinkOptions;
  #state: LinkState = 'ready';
  #settle!: { resolve: (s: LinkStats) => void; reject: (e: unknown) => void };
  #timer: ReturnType<typeof setInterval> | undefined;
  #onAbort: (() => void) | undefined;
  #abortReason: unknown;
  #lastFrames = -1;
  #final: LinkStats | undefined;

  /** Link `source` to `sink` (both claimed and their buffers held from now on); start() runs it. */
  constructor(source: LinkPort, sink: LinkPort, options: LinkOptions = {}) {
    if (!isLinkPort(source) || source.kind !== 'source')
      throw invalidArgument('source', 'a source port (e.g. queue.port())', source);
    if (!isLinkPort(sink) || sink.kind !== 'sink')
      throw invalidArgument('sink', 'a sink port (e.g. display.port(framebuffers), countingSink())', sink);
    const opts = checkLinkOptions(options);
    if (options.signal?.aborted) throw options.signal.reason;
    this.source = source;
    this.sink = sink;
    this.#options = options;
    this.name = `link ${source.name} → ${sink.name}`;
    this.done = new Promise<LinkStats>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.done.catch(() => {}); // observed by whoever awaits it
    const map = slotMap(source, sink, this.name);
    try {
      const stopNow = () => this.#stopNow();
      const src = source.claim(this.name, stopNow);
      this.#release.push(() => source.release());
      const snk = sink.claim(this.name, stopNow);
      this.#release.push(() => sink.release());
      const held = new Set<DmaBuf>([...source.slots().flat(), ...sink.slots().flat()]);
      for (const b of held) this.#release.push(holdBuffer(b, this.name));
      const h = linkNative().linkCreate(
        src,
        snk,
        map,
        (kind, a, b, c) => this.#onEvent(kind, a, b, c),
        opts.tapEvery,
        options.onStats ? opts.statsEveryFrames : 0,
        options.frames ?? 0,
      );
      if (typeof h === 'number')
        throw new LifecycleError(`${this.name}: the ports cannot be linked (${errnoName(h)})`, {
          code: errnoName(h),
          hint: 'Each port runs in one link at a time: stop the other link first',
        });
      this.#handle = h;
    } catch (e) {
      this.#letGo();
      throw e;
    }
    if (options.onStats && opts.statsEveryMs > 0) {
      this.#timer = setInterval(() => this.#batch(), opts.statsEveryMs);
      this.#timer.unref();
    }
    if (options.signal) {
      const signal = options.signal;
      this.#onAbort = () => {
        this.#abortReason = signal.reason;
        void this.stop();
      };
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** Where the link is now (see LinkState). */
  get state(): LinkState {
    return this.#state;
  }

  /** Live numbers (frames, skipped, dropped, fps, latency median and p99...). */
  get stats(): LinkStats {
    if (this.#final) return this.#final;
    linkNative().linkStats(this.#handle, this.#raw);
    return statsOf(this.#raw);
  }

  /** Start: the source gets every buffer and streams; from now on frames flow without JavaScript. */
  start(): this {
    if (this.#state !== 'ready')
      throw new LifecycleError(`${this.name} is ${this.#state}`, {
        code: 'EINVAL',
        hint: 'A link starts once: make a new Link to run again',
      });
    const r = linkNative().linkStart(this.#handle);
    if (r < 0) {
      linkNative().linkStop(this.#handle); // the ports are free again
      const error = this.source.failure(-r, 'start');
      this.#end(error);
      throw error;
    }
    this.#state = 'running';
    return this;
  }

  /** Stop: settles with the final stats once every buffer is back with its owner (at most ~1 s for a pending flip). */
  async stop(): Promise<LinkStats> {
    if (this.#state === 'ready') {
      linkNative().linkStop(this.#handle);
      this.#end(undefined);
    } else if (this.#state === 'running') {
      this.#state = 'stopping';
      linkNative().linkStop(this.#handle);
    }
    try {
      return await this.done;
    } catch (e) {
      if (e === this.#abortReason) return this.#final!;
      throw e;
    }
  }

  /** `await using`: stop() when the scope ends (rejects, as stop() does, with why the link failed). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #onEvent(kind: number, a: number, b: number, c: number): void {
    if (kind === LINK_EVENT.BATCH) this.#batch();
    else if (kind === LINK_EVENT.TAP) this.#tap(a, b);
    if (kind === LINK_EVENT.END) this.#end(this.#why(a, b, c));
  }

  /** Why the engine ended (its errno, side and op), as the error `done` rejects with; the abort reason, or nothing. */
  #why(err: number, side: number, opCode: number): unknown {
    const errno = -err;
    if (errno <= 0) return this.#abortReason;
    const op = OPS[opCode] ?? 'poll';
    if (side === LINK_SIDE.SOURCE) return this.source.failure(errno, op);
    if (side === LINK_SIDE.SINK) return this.sink.failure(errno, op);
    return new DmaBufError(`${this.name}: ${op} failed (${errnoName(errno)})`, {
      code: errnoName(errno),
      errno,
      syscall: op,
    });
  }

  /**
   * A port's owner is closing (queue.close(), display.close()): stop now, while its fd is open,
   * and end here, letting go of every buffer and port; `done` resolves with the stats as with
   * stop() (or rejects with why the link had already failed). The engine's thread collects what
   * the sink has in flight (at most STOP_NOW_WAIT_MS) and is joined before this returns, so no
   * syscall of the link can reach the owner's fd once the owner closes it (nor another file
   * that gets its number).
   */
  #stopNow(): void {
    if (this.#state === 'ended') return;
    const [err, side, op] = linkNative().linkStopNow(this.#handle, STOP_NOW_WAIT_MS);
    this.#end(this.#why(err, side, op));
  }

  #end(error: unknown): void {
    if (this.#state === 'ended') return;
    if (this.#handle) {
      linkNative().linkStats(this.#handle, this.#raw);
      this.#final = statsOf(this.#raw);
    } else this.#final = statsOf(this.#raw);
    this.#state = 'ended';
    if (this.#timer) clearInterval(this.#timer);
    if (this.#onAbort) this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#letGo();
    if (this.#options.onStats) this.#batch();
    if (error !== undefined) this.#settle.reject(error);
    else this.#settle.resolve(this.#final);
  }

  #letGo(): void {
    for (const r of this.#release.splice(0).reverse()) {
      try {
        r();
      } catch {
        // a port that cannot be handed back is already failing; the link's error is what is seen
      }
    }
  }

  #batch(): void {
    const s = this.stats;
    if (s.frames === this.#lastFrames && this.#state !== 'ended') return;
    this.#lastFrames = s.frames;
    this.#options.onStats?.(s);
  }

  #tap(slot: number, sequence: number): void {
    const handle = this.#handle;
    let held = true;
    const frame: TapFrame = {
      slot,
      sequence,
      buffers: this.source.slots()[slot] ?? [],
      release: () => {
        if (!held) return;
        held = false;
        if (this.#state === 'running') linkNative().linkTapRelease(handle, slot);
      },
    };
    this.#options.tap?.onFrame(frame);
  }
}

/** Source slot → sink slot, by the buffer behind each (a sink without slots takes them all). */
function slotMap(source: LinkPort, sink: LinkPort, name: string): Int32Array {
  const from = source.slots();
  const to = sink.slots();
  const map = new Int32Array(from.length);
  if (from.length === 0)
    throw new LifecycleError(`${name}: ${source.name} has no buffers`, {
      code: 'EINVAL',
      hint: 'Attach a buffer to every slot of the source before linking it',
    });
  from.forEach((planes, i) => {
    if (to.length === 0) {
      map[i] = i;
      return;
    }
    const j = to.findIndex((t) => t[0] === planes[0]);
    if (j < 0)
      throw new LifecycleError(
        `${name}: slot ${i} of ${source.name} (${planes[0]?.label ?? 'no buffer'}) has no place in ${sink.name}`,
        { code: 'EINVAL', hint: 'Give the sink every buffer of the source (e.g. a framebuffer for each)' },
      );
    map[i] = j;
  });
  return map;
}
