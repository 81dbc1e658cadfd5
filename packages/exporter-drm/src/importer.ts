import { Attachment, type DeviceMapping, type DmaBuf, invalidArgument, PluginError } from '@dmabuf/core';
import type { Importer, ImporterAttachment } from '@dmabuf/core/plugin';
import { assertBuffer, assertDevice } from './check.js';
import type { DrmDevice } from './device.js';
import { ImportRefusedError } from './errors.js';
import { drmNative } from './native.js';

/** A buffer's GEM handle on a device (valid until the attachment is detached). */
export interface GemHandle {
  /** The GEM handle (per DRM fd: only valid with this device's fd). */
  readonly handle: number;
  /** The device the handle belongs to. */
  readonly device: DrmDevice;
}

/**
 * A DRM device as an importer: attaching a buffer imports it with PRIME
 * FD_TO_HANDLE. The handle is cached by buffer identity on the device, so the
 * same buffer (or a dup of its fd) gives the same handle and is imported
 * once, not per frame; the last detach closes it.
 */
export class DrmImporter implements Importer<GemHandle> {
  /** The device buffers are imported into. */
  readonly device: DrmDevice;
  readonly #handles = new Map<number, number>();

  constructor(device: DrmDevice) {
    assertDevice('device', device);
    this.device = device;
  }

  get name(): string {
    return this.device.label;
  }

  onAttach(att: ImporterAttachment): void {
    assertAttachment(att);
    if (att.buffer.allocated) this.#import(att);
  }

  onMap(att: ImporterAttachment): GemHandle {
    assertAttachment(att);
    return { handle: this.#handles.get(att.id) ?? this.#import(att), device: this.device };
  }

  onDetach(att: ImporterAttachment): void {
    assertAttachment(att);
    const h = this.#handles.get(att.id);
    if (h === undefined) return;
    this.#handles.delete(att.id);
    if (!this.device.closed) this.device.handles.release(h);
  }

  #import(att: ImporterAttachment): number {
    const buf = att.buffer;
    const dev = this.device;
    const handle = dev.handles.acquire(buf.identity, () => {
      const r = drmNative().primeFdToHandle(dev.fd, buf.borrowFd());
      if (r < 0) throw new ImportRefusedError(dev.label, dev.driver, buf.expName, buf.label, -r);
      return r;
    });
    this.#handles.set(att.id, handle);
    return handle;
  }
}

/** A buffer imported into a device: the attachment, its mapping and the GEM handle. Release (or `using`) detaches. */
export class GemImport implements Disposable {
  /** The imported buffer (attached to the device until release()). */
  readonly buffer: DmaBuf;
  /** The device it is imported into. */
  readonly device: DrmDevice;
  /** Its GEM handle on that device (closed by the last release of the buffer there). */
  readonly handle: number;
  readonly #attachment: Attachment<GemHandle, unknown, DmaBuf>;
  readonly #mapping: DeviceMapping<GemHandle, unknown, DmaBuf>;
  #released = false;

  /** @internal use importBuffer(device, buf) */
  constructor(
    attachment: Attachment<GemHandle, unknown, DmaBuf>,
    mapping: DeviceMapping<GemHandle, unknown, DmaBuf>,
  ) {
    this.#attachment = attachment;
    this.#mapping = mapping;
    this.buffer = attachment.buffer;
    this.device = mapping.handle.device;
    this.handle = mapping.handle.handle;
  }

  /** True once release() has run: the handle is no longer yours to use. */
  get released(): boolean {
    return this.#released;
  }

  /** Unmap and detach (the last user of the handle closes it). A no-op when the framework already tore the buffer down. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#mapping.mapped) this.#mapping.unmap();
    if (this.#attachment.attached) this.#attachment.detach();
  }

  /** `using`: release() when the scope ends. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/** The importer hooks are the framework's: anything but one of its Attachments is refused, typed. */
function assertAttachment(att: unknown): asserts att is ImporterAttachment {
  if (!(att instanceof Attachment))
    throw invalidArgument(
      'att',
      'an Attachment (the framework calls these hooks)',
      att,
      'Import with importBuffer(device, buf) or buf.attach(drmImporter(device)), not by calling the hooks',
    );
}

const importers = new WeakMap<DrmDevice, DrmImporter>();

/** The device's importer (one per device, so its handle cache is shared). */
export function drmImporter(device: DrmDevice): DrmImporter {
  assertDevice('device', device);
  let imp = importers.get(device);
  if (!imp) {
    imp = new DrmImporter(device);
    importers.set(device, imp);
  }
  return imp;
}

/**
 * Import a buffer into a DRM device: attach + map, giving its GEM handle.
 * A refusal by the driver comes out as ImportRefusedError (not wrapped), so
 * callers can catch it and copy instead.
 */
export function importBuffer(device: DrmDevice, buf: DmaBuf): GemImport {
  assertDevice('device', device);
  assertBuffer('buf', buf);
  const importer = drmImporter(device);
  let att: Attachment<GemHandle, unknown, DmaBuf> | undefined;
  try {
    att = buf.attach(importer);
    return new GemImport(att, att.map('to-device'));
  } catch (e) {
    if (att?.attached) att.detach();
    throw e instanceof PluginError && e.cause instanceof ImportRefusedError ? e.cause : e;
  }
}
