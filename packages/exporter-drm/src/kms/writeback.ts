import { type DmaBuf, ERRNO, SyncFile } from '@dmabuf/core';
import { assertCount, assertDevice, assertRecord } from '../check.js';
import { DRM_CLIENT_CAP, DRM_MODE_ATOMIC, DRM_MODE_OBJECT } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { DrmError, NoDisplayError } from '../errors.js';
import { fourccName } from '../fourcc.js';
import { type DrmModeInfo, drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import { AtomicRequest } from './atomic.js';
import { createFramebuffer, type Framebuffer } from './framebuffer.js';
import { describeMode } from './mode.js';
import { objectProperties, type PropertyValue, readKms } from './snapshot.js';

/** What a writeback connector needs of the display it copies. */
export interface WritebackSource {
  /** The DRM device the display is on. */
  readonly device: DrmDevice;
  /** The CRTC that drives the display (and whose picture is written back). */
  readonly crtcId: number;
  /** The display's own connector (detached during a capture where the driver cannot clone). */
  readonly connectorId: number;
  /** The display's connector name, e.g. 'Virtual-1'. */
  readonly connector: string;
  /** Atomic commits (writeback needs them). */
  readonly atomic: boolean;
  /** True once the display was closed: capture() then refuses. */
  readonly closed: boolean;
  /** The mode the CRTC runs in: the size of the written-back picture. */
  readonly mode: DrmModeInfo;
  /** How messages name the display. */
  readonly label: string;
}

/** One picture written back. */
export interface WritebackResult {
  /** The buffer that now holds the composed picture (the one given to capture()). */
  buffer: DmaBuf;
  /** The framebuffer over that buffer the connector wrote into (kept for the next capture into it). */
  framebuffer: Framebuffer;
  /** performance.now() when the out-fence signalled (the picture is complete). */
  timeMs: number;
  /**
   * 'clone': written back while the display's connector kept showing the
   * picture; 'exclusive': the driver cannot drive both from one CRTC
   * (encoder possible_clones), so the display's connector was detached for
   * the capture and put back after it (the same CRTC, planes and mode).
   */
  routing: 'clone' | 'exclusive';
}

/**
 * A writeback connector: the CRTC's composed picture (every plane blended,
 * as it goes out) written into a buffer — a display that is also a source
 * of dma-bufs (vkms has one; so do many SoC display engines). capture()
 * attaches the connector to the display's CRTC, sets WRITEBACK_FB_ID for
 * one commit and waits on WRITEBACK_OUT_FENCE_PTR's fence.
 */
export class Writeback implements Disposable {
  /** The display whose CRTC is written back. */
  readonly source: WritebackSource;
  /** The writeback connector's KMS object id. */
  readonly connectorId: number;
  /** 'Writeback-1'. */
  readonly name: string;
  /** Formats the connector writes (WRITEBACK_PIXEL_FORMATS). */
  readonly formats: readonly string[];
  readonly #props: Map<string, PropertyValue>;
  readonly #framebuffers = new Map<DmaBuf, Framebuffer>();
  #attached = false;
  #routing: 'clone' | 'exclusive' | undefined;
  #busy = false;
  #closed = false;

  private constructor(source: WritebackSource) {
    const dev = source.device;
    if (!source.atomic)
      throw new DrmError(dev.label, 'writeback needs atomic modesetting', {
        code: 'EOPNOTSUPP',
        hint: 'Open the display without { legacy: true } on a driver with atomic modesetting',
      });
    const n = drmNative();
    // Writeback connectors are listed only to clients that ask (after ATOMIC, which the display set).
    drmCheck(
      n.setClientCap(dev.fd, DRM_CLIENT_CAP.WRITEBACK_CONNECTORS, 1),
      'DRM_IOCTL_SET_CLIENT_CAP',
      dev.label,
      'cannot ask for writeback connectors (DRM_CLIENT_CAP_WRITEBACK_CONNECTORS)',
      'The kernel is older than 4.19 or the display is not atomic',
    );
    const kms = readKms(dev, { planes: false });
    const wb = kms.connectors.find((c) => c.name.startsWith('Writeback-'));
    if (!wb)
      throw new NoDisplayError(
        dev.label,
        `has no writeback connector (connectors: ${kms.connectors.map((c) => c.name).join(', ') || 'none'})`,
        {
          code: 'ENODEV',
          hint: 'Use a display engine with writeback (vkms loaded with enable_writeback=1, many SoC displays); check the picture by screendump otherwise',
        },
      );
    this.source = source;
    this.connectorId = wb.id;
    this.name = wb.name;
    this.#props = objectProperties(dev, wb.id, DRM_MODE_OBJECT.CONNECTOR);
    const blob = this.#props.get('WRITEBACK_PIXEL_FORMATS');
    const raw = blob ? n.getPropBlob(dev.fd, Number(blob.value)) : -2;
    this.formats =
      typeof raw === 'number'
        ? []
        : [...new Uint32Array(raw.buffer, raw.byteOffset, raw.byteLength >> 2)].map((f) =>
            fourccName(f).trimEnd(),
          );
  }

  /** The writeback connector of the display's device (NoDisplayError when it has none). */
  static open(display: WritebackSource): Writeback {
    assertRecord('display', display);
    assertDevice('display.device', display.device);
    assertCount('display.crtcId', display.crtcId, 0xffffffff);
    return new Writeback(display);
  }

  /** True once close() has run: capture() then refuses (as it does once the display is closed). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Write the CRTC's next composed picture into `buf` (a buffer of the mode's
   * size in one of `formats`, on the display's device or importable by it).
   * Resolves when the out-fence signals: the buffer holds the picture.
   */
  async capture(buf: DmaBuf): Promise<WritebackResult> {
    this.#assertOpen();
    const s = this.source;
    const dev = s.device;
    const { hdisplay: w, vdisplay: h } = s.mode;
    if (this.#busy)
      throw new DrmError(dev.label, `${this.name}: a capture is in flight`, {
        code: 'EBUSY',
        hint: 'Await the previous capture() first',
      });
    const layout = buf.layout;
    if (layout.width !== w || layout.height !== h)
      throw new DrmError(
        dev.label,
        `${this.name} writes the whole ${w}x${h} picture of ${s.label}; ${buf.label} is ${layout.width ?? '?'}x${layout.height ?? '?'}`,
        { code: 'EINVAL', hint: `Allocate a ${w}x${h} buffer in one of ${this.formats.join(', ')}` },
      );
    let fb = this.#framebuffers.get(buf);
    if (!fb) {
      fb = createFramebuffer(dev, buf, {}, { formats: this.formats, label: `${this.name} of ${dev.label}` });
      this.#framebuffers.set(buf, fb);
    }
    this.#routing ??= this.#testClone(fb) ? 'clone' : 'exclusive';
    const routing = this.#routing;
    const req = this.#route(routing === 'exclusive' ? 0 : undefined)
      .set(this.connectorId, this.#prop('WRITEBACK_FB_ID'), fb.id)
      .set(this.connectorId, this.#prop('WRITEBACK_OUT_FENCE_PTR'), 0);
    const a = req.arrays();
    const outIndex = a.props.indexOf(this.#prop('WRITEBACK_OUT_FENCE_PTR')!);
    // Routing the connector to the CRTC is a modeset (the mode itself is unchanged).
    const flags = this.#attached ? 0 : DRM_MODE_ATOMIC.ALLOW_MODESET;
    const r = drmNative().atomicCommit(dev.fd, flags, a.objects, a.counts, a.props, a.values, 0, outIndex);
    drmCheck(
      r,
      'DRM_IOCTL_MODE_ATOMIC',
      dev.label,
      `${this.name}: cannot write back ${describeMode(s.mode)} into ${fb.label}`,
      (e) =>
        e === ERRNO.EINVAL
          ? `The CRTC must be on (show() something first) and the buffer ${w}x${h} in one of ${this.formats.join(', ')}`
          : undefined,
    );
    this.#attached = true;
    this.#busy = true;
    const fence = new SyncFile(r);
    try {
      await fence.wait();
    } finally {
      fence.close();
      this.#busy = false;
      if (routing === 'exclusive') this.#detach();
    }
    return { buffer: buf, framebuffer: fb, timeMs: performance.now(), routing };
  }

  /** Detach the connector from the CRTC and remove the framebuffers made for captures. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    let first: unknown;
    try {
      this.#detach();
    } catch (e) {
      first = e;
    }
    for (const fb of this.#framebuffers.values()) {
      try {
        fb.remove();
      } catch (e) {
        first ??= e;
      }
    }
    this.#framebuffers.clear();
    if (first) throw first;
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  #prop(name: string): number | undefined {
    return this.#props.get(name)?.id;
  }

  /**
   * The writeback connector on the CRTC; with `display` 0 the display's
   * connector off it (for drivers whose encoders do not clone), with the
   * CRTC id back on it.
   */
  #route(display: number | undefined, writeback = this.source.crtcId): AtomicRequest {
    const s = this.source;
    const req = new AtomicRequest().set(this.connectorId, this.#prop('CRTC_ID'), writeback);
    if (display !== undefined) {
      const crtcProp = objectProperties(s.device, s.connectorId, DRM_MODE_OBJECT.CONNECTOR).get('CRTC_ID');
      req.set(s.connectorId, crtcProp?.id, display);
    }
    return req;
  }

  /** Can the writeback connector run next to the display's connector (a TEST_ONLY commit)? */
  #testClone(fb: Framebuffer): boolean {
    const req = this.#route(undefined).set(this.connectorId, this.#prop('WRITEBACK_FB_ID'), fb.id);
    return req.commit(this.source.device.fd, DRM_MODE_ATOMIC.TEST_ONLY | DRM_MODE_ATOMIC.ALLOW_MODESET) >= 0;
  }

  /** Take the writeback connector off the CRTC (and put the display's connector back where it was taken off). */
  #detach(): void {
    const dev = this.source.device;
    if (!this.#attached || dev.closed) return;
    this.#attached = false;
    const exclusive = this.#routing === 'exclusive' && !this.source.closed;
    const r = this.#route(exclusive ? this.source.crtcId : undefined, 0).commit(
      dev.fd,
      DRM_MODE_ATOMIC.ALLOW_MODESET,
    );
    // The display may have restored its CRTC already (SETCRTC detaches other connectors).
    if (r < 0 && r !== -ERRNO.EINVAL)
      drmCheck(r, 'DRM_IOCTL_MODE_ATOMIC', dev.label, `${this.name}: cannot detach from the CRTC`);
  }

  #assertOpen(): void {
    if (this.#closed || this.source.closed)
      throw new DrmError(this.source.device.label, `${this.name} is closed`, {
        code: 'EBADF',
        hint: 'Open the writeback again (on an open display)',
      });
  }
}
