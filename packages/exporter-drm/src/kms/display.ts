import { assertObject, assertString, type DmaBuf, ERRNO, type LinkPort } from '@dmabuf/core';
import { assertDevice } from '../check.js';
import { DRM_CLIENT_CAP } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { DrmDeviceLostError, DrmError } from '../errors.js';
import { type DrmModeInfo, drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import type { Composition } from './composition.js';
import { FlipQueue } from './flip-queue.js';
import type { FlipOptions, FlipResult, SubmittedFlip } from './flip-request.js';
import {
  checkFramebufferOf,
  createFramebuffer,
  type Framebuffer,
  type FramebufferOptions,
  onScreen,
} from './framebuffer.js';
import type { Layer } from './layers.js';
import { describeMode, initialMode, type ModeRequest } from './mode.js';
import { choosePipe } from './pipe.js';
import type { PlacementChoice } from './placement.js';
import { Placer } from './placer.js';
import { planePort } from './plane-port.js';
import { PlaneSet } from './plane-set.js';
import { restoreOnExit } from './restore.js';
import { restoreScreen, type SavedCrtc, saveCrtc } from './saved-crtc.js';
import { readKms } from './snapshot.js';
import type { WritebackSource } from './writeback.js';

/** Options of `Display.open`: which connector, which mode, how to place a picture. */
export interface DisplayOptions {
  /** Connector name, e.g. 'HDMI-A-2' or 'Virtual-1' (default: the first connected). */
  connector?: string;
  /** Mode to set (default: keep the current one; the preferred one if the CRTC is off). */
  mode?: ModeRequest;
  /** Use legacy SETCRTC/PAGE_FLIP even where the driver has atomic modesetting. */
  legacy?: boolean;
  /** Told how each picture size is placed, and why (also in `display.placement`). */
  onPlacement?: (choice: PlacementChoice) => void;
}

export type { FlipOptions, FlipResult, SubmittedFlip };

/** A plane a display can use, as `display.planes` lists it. */
export interface DisplayPlane {
  /** The plane's KMS object id. */
  id: number;
  /** 'primary', 'overlay', 'cursor' or 'unknown'. */
  type: string;
  /** The DRM fourccs it takes. */
  formats: readonly string[];
}

/**
 * A display: connector → CRTC → a plane for the picture. The current mode is
 * kept by default; show() places a picture of any size with a plane (scaled
 * to fit where the plane scales, centred where it only positions, a mode of
 * the picture's size only when neither works) and says what it chose and why
 * (`placement`). Then page flips: each a Promise settled on the kernel's
 * flip-complete event, paced one per completion, optionally with fences
 * (in: wait for a producer; out: know when the previous buffer is off
 * screen). close() — or process exit, or closing the device — puts back what
 * the CRTC showed before.
 */
export class Display implements Disposable, WritebackSource {
  readonly device: DrmDevice;
  readonly connector: string;
  readonly connectorId: number;
  readonly crtcId: number;
  /** The CRTC's primary plane. */
  readonly planeId: number | undefined;
  /** Atomic commits (true) or legacy SETCRTC/PAGE_FLIP. */
  readonly atomic: boolean;
  /** Formats the primary plane takes (fourcc strings); `planes` lists every plane's. */
  readonly formats: readonly string[];
  /** Why the display's mode is the one it is ('current mode 1280x800@75 kept'). */
  readonly modeReason: string;
  readonly #planes: PlaneSet;
  readonly #placer: Placer;
  readonly #saved: SavedCrtc;
  readonly #framebuffers = new Set<Framebuffer>();
  readonly #onPlacement: ((choice: PlacementChoice) => void) | undefined;
  readonly #unregisterExit: () => void;
  readonly #unregisterClose: () => void;
  readonly #flipQueue: FlipQueue;
  #showing: Framebuffer | undefined;
  /** The framebuffers of the last compose() still on screen. */
  #layered: Framebuffer[] = [];
  #closed = false;

  private constructor(device: DrmDevice, options: DisplayOptions) {
    this.device = device;
    const dev = device.label;
    if (!device.caps.kms) {
      throw new DrmError(dev, 'has no modesetting (KMS)', {
        code: 'EOPNOTSUPP',
        hint: 'Open a display device: findDrmDevice({ display: true })',
      });
    }
    const n = drmNative();
    n.setMaster(device.fd);
    let atomic = device.caps.atomic && !options.legacy;
    if (atomic && n.setClientCap(device.fd, DRM_CLIENT_CAP.ATOMIC, 1) !== 0) atomic = false;
    if (!atomic && device.caps.atomic) n.setClientCap(device.fd, DRM_CLIENT_CAP.ATOMIC, 0);
    // After ATOMIC: turning atomic off turns universal planes off with it.
    n.setClientCap(device.fd, DRM_CLIENT_CAP.UNIVERSAL_PLANES, 1);
    const kms = readKms(device);
    const pipe = choosePipe(
      kms,
      options.connector !== undefined ? { connector: options.connector } : {},
      dev,
    );
    this.connector = pipe.connector.name;
    this.connectorId = pipe.connector.id;
    this.crtcId = pipe.crtc.id;
    this.planeId = pipe.plane?.id;
    const initial = initialMode(pipe.connector.modes, pipe.crtc.mode, options.mode, dev, pipe.connector.name);
    this.modeReason = initial.why;
    this.formats = pipe.plane?.formats ?? ['XR24'];
    if (!pipe.plane) atomic = false;
    this.atomic = atomic;
    this.#planes = new PlaneSet(device, kms, pipe.crtc, pipe.connector.id, atomic);
    this.#saved = saveCrtc(kms, pipe.crtc.id);
    this.#placer = new Placer({
      device,
      planes: this.#planes,
      connectorId: pipe.connector.id,
      connector: pipe.connector.name,
      crtcId: pipe.crtc.id,
      modes: pipe.connector.modes,
      mode: initial.mode,
      modeFixed: options.mode !== undefined,
      atomic,
    });
    this.#onPlacement = options.onPlacement;
    this.#flipQueue = new FlipQueue({
      device,
      connector: this.connector,
      crtcId: this.crtcId,
      atomic,
      planes: this.#planes,
      placer: this.#placer,
      checkFb: (fb) => this.#checkFb(fb),
      shown: (fb) => {
        if (!this.#closed) this.#setShowing(fb);
      },
    });
    this.#unregisterExit = restoreOnExit(() => {
      this.#flipQueue.host.stopLink?.(); // a link flipping into it stops (its thread joined) before the restore
      if (this.#placer.placed) this.#restore();
    });
    this.#unregisterClose = device.onClose(() => this.close());
  }

  /** Take over a display on a device: pick connector, CRTC and mode. Nothing changes on screen until show(). */
  static open(device: DrmDevice, options: DisplayOptions = {}): Display {
    assertDevice('device', device);
    assertObject('options', options);
    return new Display(device, options);
  }

  /** The mode the CRTC runs in (after a show() that changed it, the new one). */
  get mode(): DrmModeInfo {
    return this.#placer.mode;
  }

  /** The mode's visible width in pixels (hdisplay). */
  get width(): number {
    return this.mode.hdisplay;
  }

  /** The mode's visible height in rows (vdisplay). */
  get height(): number {
    return this.mode.vdisplay;
  }

  /** How the current picture is placed and why (after the first show()). */
  get placement(): PlacementChoice | undefined {
    return this.#placer.choice;
  }

  /** The planes this display can use (primary first), with the formats each takes. */
  get planes(): readonly DisplayPlane[] {
    return this.#planes.usable.map((p) => ({ id: p.id, type: p.type, formats: p.formats }));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The framebuffer on screen (after the last completed show/flip). */
  get showing(): Framebuffer | undefined {
    return this.#showing;
  }

  /** Completed page flips. */
  get flips(): number {
    return this.#flipQueue.flips;
  }

  /** How messages name this display: 'DRM card1 (virtio_gpu) Virtual-1 1280x800@60'. */
  get label(): string {
    return `${this.device.label} ${this.connector} ${describeMode(this.mode)}`;
  }

  /** Modifiers the primary plane takes for a format (IN_FORMATS); [0n] (LINEAR) when the driver does not say. */
  modifiers(format: string): bigint[] {
    assertString('format', format, 8);
    return this.#planes.primaryModifiers(this.planeId, format);
  }

  /** A framebuffer of a buffer for one of this display's planes (format/modifier/size checked first). Removed at close(). */
  framebuffer(buf: DmaBuf, options: FramebufferOptions = {}): Framebuffer {
    this.#assertOpen();
    const fb = createFramebuffer(this.device, buf, options, this.#planes.accepted());
    this.#framebuffers.add(fb);
    return fb;
  }

  /** How show() would place this framebuffer's picture (test commits only: nothing changes on screen). */
  plan(fb: Framebuffer): PlacementChoice {
    this.#checkFb(fb);
    return this.#placer.plan(fb);
  }

  /**
   * Put a framebuffer on screen. The first picture of a size (and format) is
   * placed — a plane, its rectangles and maybe a mode, chosen by test commits
   * and announced (onPlacement, `placement`) — with a blocking commit; after
   * that, show() page-flips like flip().
   */
  show(fb: Framebuffer, options?: FlipOptions): Promise<FlipResult> {
    if (this.#placer.fits(fb)) return this.flip(fb, options);
    const place = (): FlipResult => {
      this.#checkFb(fb);
      const choice = this.#placer.place(fb);
      this.#setShowing(fb);
      this.#onPlacement?.(choice);
      return { type: 'flip', sequence: 0, timeMs: performance.now(), crtcId: this.crtcId, framebuffer: fb };
    };
    if (this.#flipQueue.idle) {
      try {
        return Promise.resolve(place());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.#flipQueue.after(place);
  }

  /** Show framebuffers on several planes at once, layers[0] at the bottom (Placer.compose: test commit first, blocking). */
  compose(layers: readonly Layer[]): Composition {
    this.#assertOpen();
    if (!this.#flipQueue.idle)
      throw new DrmError(this.device.label, `${this.connector}: compose() while flips are pending`, {
        code: 'EBUSY',
        hint: 'Await the pending show()/flip() Promises first',
      });
    const c = this.#placer.compose(layers);
    this.#setShowing(undefined);
    this.#layered = layers.map((l) => l.framebuffer);
    for (const fb of this.#layered) onScreen.add(fb);
    return c;
  }

  /**
   * Page-flip to a framebuffer of the size and format already shown; settles on the kernel's
   * flip-complete event. Flips queue: each is submitted after the previous completed. With
   * { inFence } the flip waits for the fence; with { outFence: true } the result carries a
   * sync_file that signalled at the flip. A refused flip rejects and leaves the screen as it was.
   */
  flip(fb: Framebuffer, options?: FlipOptions): Promise<FlipResult> {
    return this.#flipQueue.flip(fb, options);
  }

  /**
   * Like flip(), but resolves as soon as the kernel has the flip (after the
   * flips queued before it completed): with the out-fence, to hand to a
   * producer before the flip happens, and `done` for the completion.
   */
  submit(fb: Framebuffer, options?: FlipOptions): Promise<SubmittedFlip> {
    return this.#flipQueue.submit(fb, options);
  }

  /** This display as a link sink over `framebuffers`, one per source buffer (show() one first; see plane-port.ts). */
  port(framebuffers: readonly Framebuffer[]): LinkPort {
    return planePort(this.#flipQueue.host, framebuffers);
  }

  /** Tell the driver the framebuffer's contents changed (front-buffer drawing): DIRTYFB. */
  dirty(fb: Framebuffer): void {
    this.#checkFb(fb);
    const r = drmNative().dirtyFb(this.device.fd, fb.id);
    if (r < 0 && r !== -ERRNO.ENOSYS && r !== -ERRNO.EOPNOTSUPP)
      drmCheck(r, 'DRM_IOCTL_MODE_DIRTYFB', this.device.label, `cannot flush ${fb.label}`);
  }

  /** End a link flipping on it, restore the CRTC as it was, remove this display's framebuffers. On a device that is gone (DrmDeviceLostError) there is nothing to restore: close() just lets go. */
  close(): void {
    if (this.#closed) return;
    this.#flipQueue.host.stopLink?.();
    this.#closed = true;
    this.#unregisterExit();
    this.#unregisterClose();
    const errors: unknown[] = [];
    try {
      if (this.#placer.placed) this.#restore();
    } catch (e) {
      errors.push(e);
    }
    this.#setShowing(undefined);
    for (const fb of this.#framebuffers) {
      try {
        fb.remove();
      } catch (e) {
        errors.push(e);
      }
    }
    this.#framebuffers.clear();
    this.#placer.dispose();
    // a device that is gone took its CRTC and framebuffers with it: nothing was left to undo
    const failed = errors.find((e) => !(e instanceof DrmDeviceLostError));
    if (failed) throw failed;
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  #setShowing(fb: Framebuffer | undefined): void {
    if (this.#showing) onScreen.delete(this.#showing);
    for (const l of this.#layered) onScreen.delete(l);
    this.#layered = [];
    this.#showing = fb;
    if (fb) onScreen.add(fb);
  }

  #checkFb(fb: Framebuffer): void {
    this.#assertOpen();
    checkFramebufferOf(this.device, fb);
  }

  /** Put the screen back as it was (synchronous: also runs at exit). */
  #restore(): void {
    restoreScreen(this.device, this.#placer, this.#saved, this.connectorId, this.connector);
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new DrmError(this.device.label, `display ${this.connector} is closed`, {
        code: 'EBADF',
        hint: 'Open the display again',
      });
  }
}
