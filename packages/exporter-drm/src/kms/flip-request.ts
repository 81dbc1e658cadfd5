import { ERRNO, invalidArgument, SyncFile } from '@dmabuf/core';
import { DRM_MODE_ATOMIC, DRM_MODE_PAGE_FLIP_EVENT } from '../constants.js';
import type { DrmDevice } from '../device.js';
import { DrmError } from '../errors.js';
import type { DrmEvent } from '../event-queue.js';
import { drmNative } from '../native.js';
import { drmCheck } from '../syscall.js';
import { AtomicRequest } from './atomic.js';
import type { Framebuffer } from './framebuffer.js';
import type { PlaneSet } from './plane-set.js';
import type { PropertyValue } from './snapshot.js';

/** A completed show/flip. */
export interface FlipResult extends DrmEvent {
  /** The framebuffer now on screen. */
  framebuffer: Framebuffer;
  /** The out-fence, when asked for ({ outFence: true }); the caller owns it. */
  outFence?: SyncFile;
}

/** A flip handed to the kernel: its out-fence (if asked for) now, its completion later. */
export interface SubmittedFlip {
  /**
   * The out-fence (OUT_FENCE_PTR), when asked for: signals when the flip is done; the caller owns and closes
   * it.
   */
  outFence?: SyncFile;
  /**
   * Resolves when the flip completed (its page-flip event); rejects with a DrmError if the device closes
   * first.
   */
  done: Promise<FlipResult>;
}

/** Explicit sync for one flip. */
export interface FlipOptions {
  /**
   * A sync_file the flip waits for before the plane scans out the new
   * framebuffer (IN_FENCE_FD): a producer's "done writing" (a GPU, a camera,
   * another process). The display takes its own reference: the caller still
   * owns and closes it.
   */
  inFence?: SyncFile;
  /**
   * Ask for an out-fence (OUT_FENCE_PTR): a sync_file that signals when this
   * flip has happened, i.e. when the framebuffer shown before it is off screen.
   */
  outFence?: boolean;
}

/** Check flip options before anything is queued. */
export function checkFlipOptions(options: FlipOptions | undefined, atomic: boolean, device: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null)
    throw invalidArgument('options', '{ inFence?: SyncFile, outFence?: boolean }', options);
  if (options.inFence !== undefined && !(options.inFence instanceof SyncFile))
    throw invalidArgument(
      'options.inFence',
      'a SyncFile (from exportSyncFile, a producer, or new SyncFile(fd))',
      options.inFence,
    );
  if (options.inFence?.closed)
    throw invalidArgument('options.inFence', 'an open SyncFile', 'a closed SyncFile');
  if (options.outFence !== undefined && typeof options.outFence !== 'boolean')
    throw invalidArgument('options.outFence', 'a boolean', options.outFence);
  if ((options.inFence || options.outFence) && !atomic) {
    throw new DrmError(device, 'fences need atomic modesetting (IN_FENCE_FD / OUT_FENCE_PTR)', {
      code: 'EOPNOTSUPP',
      hint: 'Open the display without { legacy: true } on a driver with atomic modesetting, or wait on the fence in JS first (syncFile.wait())',
    });
  }
}

/**
 * Submit one atomic page flip (NONBLOCK, with a flip event carrying
 * `token`): FB_ID on the plane, with IN_FENCE_FD and OUT_FENCE_PTR as asked.
 * Returns the out-fence, if asked for. Throws the typed error when refused.
 */
export function submitAtomicFlip(
  device: DrmDevice,
  ids: { planeId: number; crtcId: number; fbId: number },
  props: { plane: ReadonlyMap<string, PropertyValue>; crtc: ReadonlyMap<string, PropertyValue> },
  options: FlipOptions,
  token: number,
  what: string,
): SyncFile | undefined {
  const missing = (name: string, on: string): never => {
    throw new DrmError(device.label, `${on} has no ${name} property: the driver does not do explicit sync`, {
      code: 'EOPNOTSUPP',
      hint: 'Flip without fences, and wait on the in-fence in JS first (syncFile.wait())',
    });
  };
  const req = new AtomicRequest().set(ids.planeId, props.plane.get('FB_ID')?.id, ids.fbId);
  if (options.inFence) {
    const p = props.plane.get('IN_FENCE_FD') ?? missing('IN_FENCE_FD', `plane ${ids.planeId}`);
    req.set(ids.planeId, p.id, options.inFence.fd);
  }
  let outIndex = -1;
  if (options.outFence) {
    const p = props.crtc.get('OUT_FENCE_PTR') ?? missing('OUT_FENCE_PTR', `CRTC ${ids.crtcId}`);
    req.set(ids.crtcId, p.id, 0); // the native side puts the pointer to its result here
  }
  const a = req.arrays();
  if (options.outFence) {
    const id = props.crtc.get('OUT_FENCE_PTR')!.id;
    outIndex = a.props.findIndex((pid, i) => pid === id && objectOf(a, i) === ids.crtcId);
  }
  const r = drmNative().atomicCommit(
    device.fd,
    DRM_MODE_ATOMIC.NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT,
    a.objects,
    a.counts,
    a.props,
    a.values,
    token,
    outIndex,
  );
  drmCheck(r, 'DRM_IOCTL_MODE_ATOMIC', device.label, what, (errno) =>
    errno === ERRNO.EINVAL && options.inFence
      ? 'The kernel refused the in-fence: pass a sync_file fd (exportSyncFile, or a producer’s fence)'
      : undefined,
  );
  return options.outFence && r >= 0 ? new SyncFile(r) : undefined;
}

/** The object id the i-th property of the request arrays belongs to. */
function objectOf(a: { objects: number[]; counts: number[] }, i: number): number {
  let at = 0;
  for (let k = 0; k < a.objects.length; k++) {
    at += a.counts[k]!;
    if (i < at) return a.objects[k]!;
  }
  return -1;
}

/** A flip without fences: the atomic commit built for it (NONBLOCK, flip event), or legacy PAGE_FLIP when there is none. */
export function submitPlainFlip(
  device: DrmDevice,
  commit: ReturnType<AtomicRequest['arrays']> | undefined,
  crtcId: number,
  fbId: number,
  token: number,
  what: string,
): void {
  const n = drmNative();
  if (commit) {
    const flags = DRM_MODE_ATOMIC.NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
    const r = n.atomicCommit(
      device.fd,
      flags,
      commit.objects,
      commit.counts,
      commit.props,
      commit.values,
      token,
    );
    drmCheck(r, 'DRM_IOCTL_MODE_ATOMIC', device.label, what);
  } else {
    const r = n.pageFlip(device.fd, crtcId, fbId, DRM_MODE_PAGE_FLIP_EVENT, token);
    drmCheck(r, 'DRM_IOCTL_MODE_PAGE_FLIP', device.label, what);
  }
}

/** Per framebuffer, the atomic commit that flips to it (no fences): the same every time. */
export type FlipCommits = WeakMap<Framebuffer, ReturnType<AtomicRequest['arrays']>>;

/**
 * Hand a flip to `to.fb` on its plane to the kernel: an atomic commit with
 * the fences asked for, the cached plain atomic commit, or legacy PAGE_FLIP.
 * Returns the out-fence if asked for; throws the typed error when refused.
 */
export function submitFlipTo(
  device: DrmDevice,
  planes: PlaneSet,
  to: { planeId: number; crtcId: number; fb: Framebuffer; atomic: boolean },
  commits: FlipCommits,
  options: FlipOptions | undefined,
  token: number,
  what: string,
): SyncFile | undefined {
  const { planeId, crtcId, fb } = to;
  if (to.atomic && (options?.inFence || options?.outFence)) {
    const props = { plane: planes.props(planeId), crtc: planes.commitProps().crtc };
    return submitAtomicFlip(device, { planeId, crtcId, fbId: fb.id }, props, options, token, what);
  }
  let a = commits.get(fb);
  if (to.atomic && !a) {
    a = new AtomicRequest().set(planeId, planes.props(planeId).get('FB_ID')?.id, fb.id).arrays();
    commits.set(fb, a);
  }
  submitPlainFlip(device, to.atomic ? a : undefined, crtcId, fb.id, token, what);
  return undefined;
}
