import { DmaBuf, invalidArgument } from '@dmabuf/core';

// Argument checks shared by the DRM/KMS helpers: an InvalidArgumentError naming the argument,
// before anything reads a field of it.

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A DrmDevice: what the checks before any ioctl read of it (label, caps). */
export function assertDevice(name: string, v: unknown): void {
  if (!isObj(v) || typeof v.label !== 'string' || !isObj(v.caps))
    throw invalidArgument(name, 'a DrmDevice (DrmDevice.open(path))', v);
}

/** A DrmDevice whose fd goes to an ioctl next. */
export function assertOpenDevice(name: string, v: unknown): void {
  assertDevice(name, v);
  if (typeof (v as { fd?: unknown }).fd !== 'number')
    throw invalidArgument(name, 'an open DrmDevice (DrmDevice.open(path))', v);
}

/** A DmaBuf of @dmabuf/core. */
export function assertBuffer(name: string, v: unknown): asserts v is DmaBuf {
  if (!(v instanceof DmaBuf)) throw invalidArgument(name, 'a DmaBuf (fw.export() / fw.get(fd))', v);
}

/** { width, height } in whole pixels. */
export function assertSize(name: string, v: unknown): void {
  if (!isObj(v) || !isUint(v.width) || !isUint(v.height))
    throw invalidArgument(name, '{ width, height } in pixels (integers >= 0)', v);
}

/** A mode as the kernel lists it (DrmModeInfo). */
export function assertMode(name: string, v: unknown): void {
  if (
    !isObj(v) ||
    !isUint(v.hdisplay) ||
    !isUint(v.vdisplay) ||
    !isUint(v.clock) ||
    !isUint(v.htotal) ||
    !isUint(v.vtotal) ||
    !isUint(v.type)
  )
    throw invalidArgument(name, 'a DrmModeInfo (from readKms(device).connectors[i].modes)', v);
}

/** An array whose every element passes `each` (named `name[i]`). */
export function assertArrayOf(name: string, v: unknown, each: (name: string, e: unknown) => void): void {
  if (!Array.isArray(v)) throw invalidArgument(name, 'an array', v);
  v.forEach((e, i) => {
    each(`${name}[${i}]`, e);
  });
}

/** A plane of a KmsSnapshot (or a PlacementPlane: id and type). */
export function assertPlane(name: string, v: unknown): void {
  if (!isObj(v) || !isUint(v.id) || typeof v.type !== 'string')
    throw invalidArgument(name, 'a plane of readKms(device).planes', v);
}

/** A CRTC of a KmsSnapshot. */
export function assertCrtc(name: string, v: unknown): void {
  if (!isObj(v) || !isUint(v.id) || !isUint(v.index))
    throw invalidArgument(name, 'a CRTC of readKms(device).crtcs', v);
}

/** A placement from placementCandidates(). */
export function assertPlacement(name: string, v: unknown): void {
  if (!isObj(v) || typeof v.kind !== 'string' || !isObj(v.src) || !isObj(v.dst) || !isObj(v.mode))
    throw invalidArgument(name, 'a Placement (from placementCandidates())', v);
  assertPlane(`${name}.plane`, v.plane);
}

/** A plain object (options, needs, …). */
export function assertRecord(name: string, v: unknown): void {
  if (!isObj(v) || Array.isArray(v)) throw invalidArgument(name, 'an object', v);
}

/** A whole number within [0, max]. */
export function assertCount(name: string, v: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (!isUint(v) || v > max) throw invalidArgument(name, `an integer between 0 and ${max}`, v);
}

/** A string. */
export function assertText(name: string, v: unknown): void {
  if (typeof v !== 'string') throw invalidArgument(name, 'a string', v);
}
