import { assertObject, type DmaBuf } from '@dmabuf/core';
import { DRM_CLIENT_CAP, DRM_MODE_ATOMIC, DRM_MODE_OBJECT, DRM_MODE_PAGE_FLIP_EVENT } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { DrmError } from '../errors.js';
import type { DrmEvent } from '../event-queue.js';
import { type DrmModeInfo, drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import { AtomicRequest } from './atomic.js';
import {
  type AcceptedFormats,
  createFramebuffer,
  type Framebuffer,
  type FramebufferOptions,
  onScreen,
} from './framebuffer.js';
import { parseInFormats } from './in-formats.js';
import { chooseMode, describeMode, type ModeRequest } from './mode.js';
import { choosePipe } from './pipe.js';
import { restoreOnExit } from './restore.js';
import { objectProperties, type PropertyValue, readKms } from './snapshot.js';

export interface DisplayOptions {
  /** Connector name, e.g. 'Virtual-1' (default: the first connected). */
  connector?: string;
  /** Mode (default: the connector's preferred). */
  mode?: ModeRequest;
  /** Use legacy SETCRTC/PAGE_FLIP even where the driver has atomic modesetting. */
  legacy?: boolean;
}

/** A completed show/flip. */
export interface FlipResult extends DrmEvent {
  framebuffer: Framebuffer;
}

interface SavedCrtc {
  fbId: number;
  x: number;
  y: number;
  mode: DrmModeInfo | undefined;
  connectors: number[];
}

type Props = Map<string, PropertyValue>;

/**
 * A display: connector → CRTC → primary plane on a DRM device, in a chosen
 * mode. show() sets the mode on first use, then page-flips; each flip is a
 * Promise that settles on the kernel's flip-complete event (read through
 * libuv), and flips are paced one per completion. close() — or process exit,
 * or closing the device — puts back what the CRTC showed before.
 */
export class Display implements Disposable {
  readonly device: DrmDevice;
  readonly connector: string;
  readonly connectorId: number;
  readonly crtcId: number;
  readonly planeId: number | undefined;
  readonly mode: DrmModeInfo;
  /** Atomic commits (true) or legacy SETCRTC/PAGE_FLIP. */
  readonly atomic: boolean;
  /** Formats the primary plane takes (fourcc strings). */
  readonly formats: readonly string[];
  readonly #modifiers: Map<string, bigint[]>;
  readonly #saved: SavedCrtc;
  readonly #framebuffers = new Set<Framebuffer>();
  readonly #props: { connector: Props; crtc: Props; plane: Props } | undefined;
  readonly #unregisterExit: () => void;
  readonly #unregisterClose: () => void;
  #modeBlob = 0;
  #modeSet = false;
  #showing: Framebuffer | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  /** The atomic commit that flips to a framebuffer (see #flipNow). */
  readonly #flipCommits = new WeakMap<Framebuffer, ReturnType<AtomicRequest['arrays']>>();
  #queued = 0;
  #flips = 0;
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
    n.setClientCap(device.fd, DRM_CLIENT_CAP.UNIVERSAL_PLANES, 1);
    let atomic = device.caps.atomic && !options.legacy;
    if (atomic && n.setClientCap(device.fd, DRM_CLIENT_CAP.ATOMIC, 1) !== 0) atomic = false;
    if (!atomic && device.caps.atomic) n.setClientCap(device.fd, DRM_CLIENT_CAP.ATOMIC, 0);
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
    this.mode = chooseMode(pipe.connector.modes, options.mode, dev, pipe.connector.name);
    this.formats = pipe.plane?.formats ?? ['XR24'];
    this.#modifiers = new Map();
    if (pipe.plane?.inFormatsBlob) {
      const blob = n.getPropBlob(device.fd, pipe.plane.inFormatsBlob);
      if (typeof blob !== 'number') for (const [f, m] of parseInFormats(blob)) this.#modifiers.set(f, m);
    }
    if (atomic && pipe.plane) {
      this.#props = {
        connector: objectProperties(device, pipe.connector.id, DRM_MODE_OBJECT.CONNECTOR),
        crtc: objectProperties(device, pipe.crtc.id, DRM_MODE_OBJECT.CRTC),
        plane: objectProperties(device, pipe.plane.id, DRM_MODE_OBJECT.PLANE),
      };
    } else {
      atomic = false;
    }
    this.atomic = atomic;
    const onThisCrtc = kms.connectors
      .filter((c) => kms.encoders.some((e) => e.id === c.encoderId && e.crtcId === pipe.crtc.id))
      .map((c) => c.id);
    this.#saved = {
      fbId: pipe.crtc.fbId,
      x: pipe.crtc.x,
      y: pipe.crtc.y,
      mode: pipe.crtc.mode,
      connectors: onThisCrtc,
    };
    this.#unregisterExit = restoreOnExit(() => {
      if (this.#modeSet) this.#restore();
    });
    this.#unregisterClose = device.onClose(() => this.close());
  }

  /** Take over a display on a device: pick connector, CRTC, plane and mode. Nothing changes on screen until show(). */
  static open(device: DrmDevice, options: DisplayOptions = {}): Display {
    assertObject('options', options);
    return new Display(device, options);
  }

  get width(): number {
    return this.mode.hdisplay;
  }

  get height(): number {
    return this.mode.vdisplay;
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
    return this.#flips;
  }

  /** How messages name this display: 'DRM card1 (virtio_gpu) Virtual-1 1280x800@60'. */
  get label(): string {
    return `${this.device.label} ${this.connector} ${describeMode(this.mode)}`;
  }

  /** Modifiers the primary plane takes for a format (IN_FORMATS); [0n] (LINEAR) when the driver does not say. */
  modifiers(format: string): bigint[] {
    return this.#modifiers.get(format) ?? (this.formats.includes(format) ? [0n] : []);
  }

  /** A framebuffer of a buffer for this display's plane (format/modifier/size checked first). Removed at close(). */
  framebuffer(buf: DmaBuf, options: FramebufferOptions = {}): Framebuffer {
    this.#assertOpen();
    const accepted: AcceptedFormats = {
      formats: this.formats,
      ...(this.#modifiers.size ? { modifiers: this.#modifiers } : {}),
      label: this.planeId !== undefined ? `plane ${this.planeId} of ${this.device.label}` : this.device.label,
    };
    const fb = createFramebuffer(this.device, buf, options, accepted);
    this.#framebuffers.add(fb);
    return fb;
  }

  /** Put a framebuffer on screen: sets the mode the first time, page-flips after that. */
  show(fb: Framebuffer): Promise<FlipResult> {
    if (this.#modeSet) return this.flip(fb);
    try {
      this.#checkFb(fb);
      this.#modeset(fb);
    } catch (e) {
      return Promise.reject(e);
    }
    this.#setShowing(fb);
    const now = performance.now();
    return Promise.resolve({ type: 'flip', sequence: 0, timeMs: now, crtcId: this.crtcId, framebuffer: fb });
  }

  /**
   * Page-flip to a framebuffer; settles when the kernel reports the flip
   * complete. Flips queue: each is submitted after the previous completed.
   * A refused flip rejects with the errno and leaves the screen as it was.
   */
  flip(fb: Framebuffer): Promise<FlipResult> {
    // The common case, nothing in flight: submit now, no chain of promises.
    if (this.#queued === 0) {
      this.#queued++;
      const run = this.#flipNow(fb);
      this.#tail = run;
      return run;
    }
    this.#queued++;
    const run = this.#tail.then(
      () => this.#flipNow(fb),
      () => this.#flipNow(fb),
    );
    this.#tail = run;
    return run;
  }

  /** Tell the driver the framebuffer's contents changed (front-buffer drawing): DIRTYFB. */
  dirty(fb: Framebuffer): void {
    this.#checkFb(fb);
    const r = drmNative().dirtyFb(this.device.fd, fb.id);
    if (r < 0 && r !== -38 && r !== -95)
      drmCheck(r, 'DRM_IOCTL_MODE_DIRTYFB', this.device.label, `cannot flush ${fb.label}`);
  }

  /** Restore the CRTC as it was, remove this display's framebuffers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregisterExit();
    this.#unregisterClose();
    const errors: unknown[] = [];
    try {
      if (this.#modeSet) this.#restore();
    } catch (e) {
      errors.push(e);
    }
    if (this.#showing) onScreen.delete(this.#showing);
    this.#showing = undefined;
    for (const fb of this.#framebuffers) {
      try {
        fb.remove();
      } catch (e) {
        errors.push(e);
      }
    }
    this.#framebuffers.clear();
    if (this.#modeBlob && !this.device.closed) drmNative().destroyPropBlob(this.device.fd, this.#modeBlob);
    this.#modeBlob = 0;
    if (errors.length) throw errors[0];
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Submit one flip and wait for its completion event; one fewer in flight either way. */
  async #flipNow(fb: Framebuffer): Promise<FlipResult> {
    try {
      this.#checkFb(fb);
      if (!this.#modeSet)
        throw new DrmError(this.device.label, `${this.connector}: flip before the first show()`, {
          code: 'EINVAL',
          hint: 'show() a framebuffer first: it sets the mode',
        });
      const n = drmNative();
      const events = this.device.events;
      const { token, done } = events.expect();
      let r: number;
      if (this.atomic) {
        // The commit of a flip to fb is the same every time: built once per framebuffer.
        let a = this.#flipCommits.get(fb);
        if (!a) {
          a = new AtomicRequest().set(this.planeId!, this.#props!.plane.get('FB_ID')?.id, fb.id).arrays();
          this.#flipCommits.set(fb, a);
        }
        r = n.atomicCommit(
          this.device.fd,
          DRM_MODE_ATOMIC.NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT,
          a.objects,
          a.counts,
          a.props,
          a.values,
          token,
        );
      } else {
        r = n.pageFlip(this.device.fd, this.crtcId, fb.id, DRM_MODE_PAGE_FLIP_EVENT, token);
      }
      if (r < 0) {
        events.cancel(token);
        drmCheck(
          r,
          this.atomic ? 'DRM_IOCTL_MODE_ATOMIC' : 'DRM_IOCTL_MODE_PAGE_FLIP',
          this.device.label,
          `${this.connector}: page flip to ${fb.label} failed`,
        );
      }
      const ev = await done;
      this.#flips++;
      if (!this.#closed) this.#setShowing(fb);
      return { ...ev, framebuffer: fb };
    } finally {
      this.#queued--;
    }
  }

  #setShowing(fb: Framebuffer): void {
    if (this.#showing) onScreen.delete(this.#showing);
    this.#showing = fb;
    onScreen.add(fb);
  }

  #checkFb(fb: Framebuffer): void {
    this.#assertOpen();
    if (!fb || typeof fb !== 'object' || typeof fb.assertLive !== 'function') {
      throw new DrmError(this.device.label, 'show/flip takes a Framebuffer', {
        code: 'EINVAL',
        hint: 'Make one with display.framebuffer(buf)',
      });
    }
    fb.assertLive();
    if (fb.device !== this.device) {
      throw new DrmError(this.device.label, `${fb.label} belongs to ${fb.device.label}`, {
        code: 'EINVAL',
        hint: "Make the framebuffer on the display's device",
      });
    }
    if (fb.width < this.width || fb.height < this.height) {
      throw new DrmError(
        this.device.label,
        `${fb.label} is smaller than the mode ${describeMode(this.mode)} of ${this.connector}`,
        {
          code: 'EINVAL',
          hint: `The primary plane must cover the screen: allocate at least ${this.width}x${this.height}`,
        },
      );
    }
  }

  #modeset(fb: Framebuffer): void {
    const n = drmNative();
    const dev = this.device;
    if (this.atomic) {
      const p = this.#props!;
      if (this.#modeBlob) n.destroyPropBlob(dev.fd, this.#modeBlob);
      this.#modeBlob = 0;
      this.#modeBlob = drmCheck(
        n.createModeBlob(dev.fd, this.mode),
        'DRM_IOCTL_MODE_CREATEPROPBLOB',
        dev.label,
        `cannot make a blob of mode ${describeMode(this.mode)}`,
      );
      const w = this.width;
      const h = this.height;
      const req = new AtomicRequest()
        .set(this.connectorId, p.connector.get('CRTC_ID')?.id, this.crtcId)
        .set(this.crtcId, p.crtc.get('MODE_ID')?.id, this.#modeBlob)
        .set(this.crtcId, p.crtc.get('ACTIVE')?.id, 1)
        .set(this.planeId!, p.plane.get('FB_ID')?.id, fb.id)
        .set(this.planeId!, p.plane.get('CRTC_ID')?.id, this.crtcId)
        .set(this.planeId!, p.plane.get('SRC_X')?.id, 0)
        .set(this.planeId!, p.plane.get('SRC_Y')?.id, 0)
        .set(this.planeId!, p.plane.get('SRC_W')?.id, BigInt(w) << 16n)
        .set(this.planeId!, p.plane.get('SRC_H')?.id, BigInt(h) << 16n)
        .set(this.planeId!, p.plane.get('CRTC_X')?.id, 0)
        .set(this.planeId!, p.plane.get('CRTC_Y')?.id, 0)
        .set(this.planeId!, p.plane.get('CRTC_W')?.id, w)
        .set(this.planeId!, p.plane.get('CRTC_H')?.id, h);
      const a = req.arrays();
      drmCheck(
        n.atomicCommit(dev.fd, DRM_MODE_ATOMIC.ALLOW_MODESET, a.objects, a.counts, a.props, a.values, 0),
        'DRM_IOCTL_MODE_ATOMIC',
        dev.label,
        `${this.connector}: cannot set mode ${describeMode(this.mode)} with ${fb.label}`,
      );
    } else {
      drmCheck(
        n.setCrtc(dev.fd, this.crtcId, fb.id, 0, 0, [this.connectorId], this.mode),
        'DRM_IOCTL_MODE_SETCRTC',
        dev.label,
        `${this.connector}: cannot set mode ${describeMode(this.mode)} with ${fb.label}`,
      );
    }
    this.#modeSet = true;
  }

  /** Put the CRTC back as it was at open (synchronous: also runs at process exit). */
  #restore(): void {
    if (this.device.closed) return;
    const n = drmNative();
    const s = this.#saved;
    const fd = this.device.fd;
    let r =
      s.fbId && s.mode
        ? n.setCrtc(
            fd,
            this.crtcId,
            s.fbId,
            s.x,
            s.y,
            s.connectors.length ? s.connectors : [this.connectorId],
            s.mode,
          )
        : -1;
    if (r < 0) r = n.setCrtc(fd, this.crtcId, 0, 0, 0, [], null);
    this.#modeSet = false;
    drmCheck(
      r,
      'DRM_IOCTL_MODE_SETCRTC',
      this.device.label,
      `${this.connector}: cannot restore CRTC ${this.crtcId}`,
    );
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new DrmError(this.device.label, `display ${this.connector} is closed`, {
        code: 'EBADF',
        hint: 'Open the display again',
      });
  }
}
