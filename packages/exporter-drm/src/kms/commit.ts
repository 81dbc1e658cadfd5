import { AtomicRequest } from './atomic.js';
import type { Placement } from './placement.js';
import type { PropertyValue } from './snapshot.js';

type Props = ReadonlyMap<string, PropertyValue>;

/** Property ids of the objects a display commits to. */
export interface CommitProps {
  connector: Props;
  crtc: Props;
  /** By plane id. */
  planes: ReadonlyMap<number, Props>;
}

/** What a placement commit puts where. */
export interface PlacementCommit {
  connectorId: number;
  crtcId: number;
  /** The framebuffer of the picture. */
  fbId: number;
  /** The MODE_ID blob of placement.mode. */
  modeBlob: number;
  /** When the picture is on another plane than the primary: the primary plane and a black framebuffer the size of the mode. */
  background?: { planeId: number; fbId: number };
  /** Other planes of the CRTC to turn off (an overlay of a previous placement). */
  disable?: readonly number[];
}

const fix16 = (v: number): bigint => BigInt(v) << 16n;

/** Put a plane's framebuffer, source and destination rectangles into a request. */
export function setPlane(
  req: AtomicRequest,
  props: Props | undefined,
  planeId: number,
  crtcId: number,
  fbId: number,
  src: { x: number; y: number; width: number; height: number },
  dst: { x: number; y: number; width: number; height: number },
): AtomicRequest {
  const p = (name: string): number | undefined => props?.get(name)?.id;
  return req
    .set(planeId, p('FB_ID'), fbId)
    .set(planeId, p('CRTC_ID'), crtcId)
    .set(planeId, p('SRC_X'), fix16(src.x))
    .set(planeId, p('SRC_Y'), fix16(src.y))
    .set(planeId, p('SRC_W'), fix16(src.width))
    .set(planeId, p('SRC_H'), fix16(src.height))
    .set(planeId, p('CRTC_X'), dst.x)
    .set(planeId, p('CRTC_Y'), dst.y)
    .set(planeId, p('CRTC_W'), dst.width)
    .set(planeId, p('CRTC_H'), dst.height);
}

/**
 * The atomic request that shows a picture as a placement says: the
 * connector on the CRTC, the CRTC active in the placement's mode, the
 * picture's plane with its rectangles, a black background on the primary
 * plane when the picture is on an overlay, other planes off. Pure.
 */
export function placementRequest(
  props: CommitProps,
  placement: Placement,
  c: PlacementCommit,
): AtomicRequest {
  const req = new AtomicRequest()
    .set(c.connectorId, props.connector.get('CRTC_ID')?.id, c.crtcId)
    .set(c.crtcId, props.crtc.get('MODE_ID')?.id, c.modeBlob)
    .set(c.crtcId, props.crtc.get('ACTIVE')?.id, 1);
  if (c.background) {
    const whole = { x: 0, y: 0, width: placement.mode.hdisplay, height: placement.mode.vdisplay };
    setPlane(
      req,
      props.planes.get(c.background.planeId),
      c.background.planeId,
      c.crtcId,
      c.background.fbId,
      whole,
      whole,
    );
  }
  setPlane(
    req,
    props.planes.get(placement.plane.id),
    placement.plane.id,
    c.crtcId,
    c.fbId,
    placement.src,
    placement.dst,
  );
  for (const id of c.disable ?? []) {
    if (id === placement.plane.id || id === c.background?.planeId) continue;
    const p = props.planes.get(id);
    req.set(id, p?.get('FB_ID')?.id, 0).set(id, p?.get('CRTC_ID')?.id, 0);
  }
  return req;
}

/** Turn planes off (FB_ID 0, CRTC_ID 0). */
export function disableRequest(props: CommitProps, planeIds: readonly number[]): AtomicRequest {
  const req = new AtomicRequest();
  for (const id of planeIds) {
    const p = props.planes.get(id);
    req.set(id, p?.get('FB_ID')?.id, 0).set(id, p?.get('CRTC_ID')?.id, 0);
  }
  return req;
}
