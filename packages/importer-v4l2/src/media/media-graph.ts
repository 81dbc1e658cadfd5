// MEDIA_IOC_G_TOPOLOGY decoded: entities with their pads, data links between
// pads, and the device node (interface) of each entity.
import { readFileSync } from 'node:fs';
import type { RawTopology } from '../native.js';
import { ENTITY_FUNCTIONS, INTF_TYPE, LINK_FLAG, PAD_FLAG } from './media-names.js';

/** A pad of an entity: where links start (source) or end (sink). */
export interface MediaPad {
  /** The pad's graph-wide id. */
  id: number;
  /** Its index on its entity (what links and sub-device formats name). */
  index: number;
  /** 'sink': data comes in; 'source': data goes out. */
  direction: 'sink' | 'source';
}

/** An entity of the media graph (a sensor, a scaler, a video node), with its pads and its /dev node if it has one. */
export interface MediaEntity {
  /** The entity's graph-wide id. */
  id: number;
  /** Its name, unique in the graph (e.g. 'Sensor A', 'Debayer B'). */
  name: string;
  /** MEDIA_ENT_F_* as a short name ('cam-sensor', 'proc-video-scaler', 'io-v4l', …). */
  function: string;
  /** Its pads, in index order. */
  pads: MediaPad[];
  /** The entity's device node: /dev/videoN for 'io-v4l', /dev/v4l-subdevN for sub-devices. */
  devnode?: string;
}

/** One end of a link: the entity (by name and id) and its pad. */
export interface MediaLinkEnd {
  /** The entity's name. */
  entity: string;
  /** The entity's id. */
  entityId: number;
  /** The pad's index on it. */
  pad: number;
}

/** A data link between two pads, with whether it is enabled and whether it can be changed. */
export interface MediaLink {
  /** The link's graph-wide id. */
  id: number;
  /** Where data comes from. */
  source: MediaLinkEnd;
  /** Where it goes. */
  sink: MediaLinkEnd;
  /** Data flows through it now. */
  enabled: boolean;
  /** Cannot be enabled or disabled (always on). */
  immutable: boolean;
  /** Can be changed while streaming. */
  dynamic: boolean;
}

/** The media graph as G_TOPOLOGY gives it: entities and data links. */
export interface MediaTopology {
  /** The topology version: it changes whenever the graph does. */
  version: number;
  /** Every entity. */
  entities: MediaEntity[];
  /** The data links (interface links are folded into MediaEntity.devnode). */
  links: MediaLink[];
}

/** /dev path of a character device by major:minor (its uevent's DEVNAME). */
function devnodeOf(major: number, minor: number): string | undefined {
  try {
    const uevent = readFileSync(`/sys/dev/char/${major}:${minor}/uevent`, 'utf8');
    const name = /^DEVNAME=(.+)$/m.exec(uevent)?.[1];
    return name ? `/dev/${name}` : undefined;
  } catch {
    return undefined;
  }
}

export function decodeTopology(raw: RawTopology): MediaTopology {
  const entities = new Map<number, MediaEntity>();
  for (const e of raw.entities) {
    entities.set(e.id, {
      id: e.id,
      name: e.name,
      function: ENTITY_FUNCTIONS[e.function] ?? `0x${e.function.toString(16)}`,
      pads: [],
    });
  }
  const pads = new Map<number, { entity: MediaEntity; index: number }>();
  for (const p of raw.pads) {
    const entity = entities.get(p.entityId);
    if (!entity) continue;
    entity.pads.push({ id: p.id, index: p.index, direction: p.flags & PAD_FLAG.SINK ? 'sink' : 'source' });
    pads.set(p.id, { entity, index: p.index });
  }
  for (const e of entities.values()) e.pads.sort((a, b) => a.index - b.index);
  const interfaces = new Map(raw.interfaces.map((i) => [i.id, i]));
  const links: MediaLink[] = [];
  for (const l of raw.links) {
    const type = l.flags & LINK_FLAG.TYPE_MASK;
    if (type === LINK_FLAG.INTERFACE) {
      const intf = interfaces.get(l.sourceId);
      const entity = entities.get(l.sinkId);
      if (intf && entity && (intf.type === INTF_TYPE.V4L_VIDEO || intf.type === INTF_TYPE.V4L_SUBDEV)) {
        const node = devnodeOf(intf.major, intf.minor);
        if (node) entity.devnode = node;
      }
      continue;
    }
    if (type !== 0) continue; // ancillary links (a lens to its sensor) carry no data
    const src = pads.get(l.sourceId);
    const sink = pads.get(l.sinkId);
    if (!src || !sink) continue;
    links.push({
      id: l.id,
      source: { entity: src.entity.name, entityId: src.entity.id, pad: src.index },
      sink: { entity: sink.entity.name, entityId: sink.entity.id, pad: sink.index },
      enabled: (l.flags & LINK_FLAG.ENABLED) !== 0,
      immutable: (l.flags & LINK_FLAG.IMMUTABLE) !== 0,
      dynamic: (l.flags & LINK_FLAG.DYNAMIC) !== 0,
    });
  }
  return { version: raw.version, entities: [...entities.values()], links };
}
