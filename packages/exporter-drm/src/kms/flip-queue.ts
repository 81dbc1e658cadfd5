import type { SyncFile } from '@dmabuf/core';
import type { DrmDevice } from '../device.js';
import {
  checkFlipOptions,
  type FlipCommits,
  type FlipOptions,
  type FlipResult,
  type SubmittedFlip,
  submitFlipTo,
} from './flip-request.js';
import type { Framebuffer } from './framebuffer.js';
import type { Placer } from './placer.js';
import type { PlaneSet } from './plane-set.js';

/** What the flip queue needs from its display. */
export interface FlipHost {
  readonly device: DrmDevice;
  readonly connector: string;
  readonly crtcId: number;
  readonly atomic: boolean;
  readonly planes: PlaneSet;
  readonly placer: Placer;
  /** Throws when the display is closed or the framebuffer is not this device's. */
  checkFb(fb: Framebuffer): void;
  /** A flip to `fb` completed. */
  shown(fb: Framebuffer): void;
  /** Ends the link flipping on this display now (display.close() while linked): set by plane-port.ts. */
  stopLink?: (() => void) | undefined;
}

/**
 * The page flips of one display, one in flight at a time: each is submitted
 * when the one before it completed, and settles on the kernel's
 * flip-complete event. With nothing in flight a flip is submitted at once,
 * without a chain of promises.
 */
export class FlipQueue {
  readonly #host: FlipHost;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #flips = 0;
  /** The atomic commit that flips to a framebuffer, without fences: the same every time, built once. */
  readonly #commits: FlipCommits = new WeakMap();

  constructor(host: FlipHost) {
    this.#host = host;
  }

  /** What the queue flips on (a link's sink port flips on the same). */
  get host(): FlipHost {
    return this.#host;
  }

  /** Completed page flips. */
  get flips(): number {
    return this.#flips;
  }

  /** Nothing submitted or waiting. */
  get idle(): boolean {
    return this.#queued === 0;
  }

  /** Run `step` once the flips queued before it have settled. */
  after<T>(step: () => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(step, step);
    this.#tail = run;
    return run;
  }

  /** Flip to `fb` after the queued flips; settles when this one completed. */
  flip(fb: Framebuffer, options?: FlipOptions): Promise<FlipResult> {
    this.#queued++;
    if (this.#queued === 1) {
      const run = this.#flipNow(fb, options);
      this.#tail = run;
      return run;
    }
    return this.after(() => this.#flipNow(fb, options));
  }

  /** Flip to `fb` after the queued flips; resolves when the kernel has it, with `done` for its completion. */
  submit(fb: Framebuffer, options?: FlipOptions): Promise<SubmittedFlip> {
    this.#queued++;
    const start = this.#queued === 1 ? Promise.resolve() : this.#tail.then(noop, noop);
    const submitted = start.then(() => this.#submitNow(fb, options));
    const done = submitted
      .then(async (s) => ({ ...(await s.done), ...(s.outFence ? { outFence: s.outFence } : {}) }))
      .finally(() => this.#queued--);
    done.catch(noop); // observed through `submitted` when submitting fails
    this.#tail = done;
    return submitted.then((s) => ({ ...(s.outFence ? { outFence: s.outFence } : {}), done }));
  }

  /** Submit one flip and wait for its completion event; one fewer in flight either way. */
  async #flipNow(fb: Framebuffer, options: FlipOptions | undefined): Promise<FlipResult> {
    try {
      const s = this.#submitNow(fb, options);
      const r = await s.done;
      return s.outFence ? { ...r, outFence: s.outFence } : r;
    } finally {
      this.#queued--;
    }
  }

  /** Hand one flip to the kernel (throws the typed error when refused); `done` settles on its event. */
  #submitNow(
    fb: Framebuffer,
    options: FlipOptions | undefined,
  ): { outFence?: SyncFile; done: Promise<FlipResult> } {
    const h = this.#host;
    h.checkFb(fb);
    checkFlipOptions(options, h.atomic, h.device.label);
    const planeId = h.placer.assertFlippable(fb).plane.id;
    const events = h.device.events;
    const { token, done } = events.expect();
    let outFence: SyncFile | undefined;
    const what = `${h.connector}: page flip to ${fb.label} failed`;
    try {
      const to = { planeId, crtcId: h.crtcId, fb, atomic: h.atomic };
      outFence = submitFlipTo(h.device, h.planes, to, this.#commits, options, token, what);
    } catch (e) {
      events.cancel(token);
      throw e;
    }
    return {
      ...(outFence ? { outFence } : {}),
      done: done.then((ev) => {
        this.#flips++;
        h.shown(fb);
        return { ...ev, framebuffer: fb };
      }),
    };
  }
}

function noop(): void {}
