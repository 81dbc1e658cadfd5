import { assertObject, assertString, closeFd, DmaBufError, ERRNO } from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { v4l2 } from '../native.js';
import { numberedNodes } from '../node-discovery.js';
import { decodeTopology, type MediaEntity, type MediaLink, type MediaTopology } from './media-graph.js';
import { LINK_FLAG } from './media-names.js';
import { NodeFd } from './node-fd.js';

/** MEDIA_IOC_DEVICE_INFO. */
export interface MediaDeviceInfo {
  /** The node, e.g. '/dev/media0'. */
  path: string;
  /** The driver's name, e.g. 'vimc', 'uvcvideo'. */
  driver: string;
  /** The device's model name. */
  model: string;
  /** Its serial number (often empty). */
  serial: string;
  /** Where it sits, e.g. 'platform:vimc'. */
  busInfo: string;
  /** The media API version, KERNEL_VERSION-encoded (major << 16 | minor << 8 | patch). */
  mediaVersion: number;
  /** The hardware revision, driver-specific. */
  hwRevision: number;
  /** The driver version, KERNEL_VERSION-encoded (usually the kernel's). */
  driverVersion: number;
}

/** One end of a link: an entity by name and a pad index. */
export interface PadRef {
  /** The entity's name, e.g. 'Sensor A'. */
  entity: string;
  /** The pad's index on that entity. */
  pad: number;
}

/** The /dev/media* nodes of this machine, in numeric order. */
export function mediaNodes(dir = '/dev'): string[] {
  assertString('dir', dir, 4096);
  return numberedNodes(dir, 'media');
}

/**
 * A media controller device (/dev/mediaN): the graph of a camera pipeline
 * (sensors, ISPs, scalers, video nodes), its links, which you enable and
 * disable. Sub-device formats are set on each entity's node (V4l2Subdev).
 */
export class MediaDevice implements Disposable {
  /** The node it was opened from. */
  readonly path: string;
  /** What MEDIA_IOC_DEVICE_INFO said at open. */
  readonly info: MediaDeviceInfo;
  readonly #node: NodeFd;

  private constructor(path: string, fd: number, info: MediaDeviceInfo) {
    this.path = path;
    this.info = info;
    this.#node = new NodeFd(fd, this.name, 'MediaDevice.open');
  }

  /** Open a media controller node (/dev/media*); a failure is a typed error with a hint. */
  static open(path: string): MediaDevice {
    assertString('path', path, 4096);
    const fd = check(v4l2().open(path), 'open', `cannot open media device ${path}`, (errno) =>
      errno === ERRNO.ENOENT
        ? 'No such node: list them with MediaDevice.list() (is the driver loaded?)'
        : undefined,
    );
    try {
      const raw = check(
        v4l2().mediaDeviceInfo(fd),
        'ioctl(MEDIA_IOC_DEVICE_INFO)',
        `${path} is not a media controller device`,
        'Pass a /dev/mediaN node',
      );
      return new MediaDevice(path, fd, { path, ...raw });
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  /** MEDIA_IOC_DEVICE_INFO of every /dev/media* node that answers. */
  static list(dir = '/dev'): MediaDeviceInfo[] {
    const out: MediaDeviceInfo[] = [];
    for (const path of mediaNodes(dir)) {
      try {
        using m = MediaDevice.open(path);
        out.push(m.info);
      } catch (e) {
        if (!(e instanceof DmaBufError)) throw e;
      }
    }
    return out;
  }

  /** The first media device whose driver (and model, if given) match; ENODEV naming what exists otherwise. */
  static find(criteria: { driver?: string; model?: string } = {}, dir = '/dev'): MediaDevice {
    assertObject('criteria', criteria);
    const seen = MediaDevice.list(dir);
    const match = seen.find(
      (d) =>
        (criteria.driver === undefined || d.driver === criteria.driver) &&
        (criteria.model === undefined || d.model === criteria.model),
    );
    if (!match) {
      throw new DmaBufError(`no media device matches ${JSON.stringify(criteria)}`, {
        code: 'ENODEV',
        hint: seen.length
          ? `Media devices here: ${seen.map((d) => `${d.path} (${d.driver}: ${d.model})`).join('; ')}`
          : `No /dev/media* node answered: load a driver with a media controller (e.g. modprobe ${criteria.driver ?? 'vimc'})`,
      });
    }
    return MediaDevice.open(match.path);
  }

  /** 'media /dev/media0 (vimc)'. */
  get name(): string {
    return `media ${this.path} (${this.info.driver})`;
  }

  /** Entities, pads and data links (MEDIA_IOC_G_TOPOLOGY), read fresh. */
  topology(): MediaTopology {
    return decodeTopology(
      check(
        v4l2().mediaTopology(this.#node.fd),
        'ioctl(MEDIA_IOC_G_TOPOLOGY)',
        `${this.name}: cannot read the graph`,
      ),
    );
  }

  /** An entity by name; ENOENT listing the entities when there is none. */
  entity(name: string): MediaEntity {
    const all = this.topology().entities;
    const e = all.find((x) => x.name === name);
    if (!e) {
      throw new DmaBufError(`${this.name} has no entity '${name}'`, {
        code: 'ENOENT',
        hint: `Its entities: ${all.map((x) => x.name).join(', ')}`,
      });
    }
    return e;
  }

  /** The data link from `source` to `sink`; ENOENT listing that entity's links when there is none. */
  link(source: PadRef, sink: PadRef): MediaLink {
    const links = this.topology().links;
    const l = links.find(
      (x) =>
        x.source.entity === source.entity &&
        x.source.pad === source.pad &&
        x.sink.entity === sink.entity &&
        x.sink.pad === sink.pad,
    );
    if (!l) {
      const near = links.filter((x) => x.source.entity === source.entity || x.sink.entity === sink.entity);
      throw new DmaBufError(
        `${this.name} has no link '${source.entity}':${source.pad} → '${sink.entity}':${sink.pad}`,
        {
          code: 'ENOENT',
          hint: `Links there: ${near.map((x) => `'${x.source.entity}':${x.source.pad} → '${x.sink.entity}':${x.sink.pad}`).join('; ') || 'none'}`,
        },
      );
    }
    return l;
  }

  /** Enable or disable a link (MEDIA_IOC_SETUP_LINK); an immutable one is refused (EINVAL) before any ioctl. */
  setLink(source: PadRef, sink: PadRef, enabled: boolean): MediaLink {
    const l = this.link(source, sink);
    if (l.immutable && l.enabled !== enabled) {
      throw new DmaBufError(`${this.name}: the link '${source.entity}' → '${sink.entity}' is immutable`, {
        code: 'EINVAL',
        hint: 'Leave it as it is; choose another route through the graph',
      });
    }
    const flags = (enabled ? LINK_FLAG.ENABLED : 0) | (l.immutable ? LINK_FLAG.IMMUTABLE : 0);
    check(
      v4l2().setupLink(this.#node.fd, l.source.entityId, l.source.pad, l.sink.entityId, l.sink.pad, flags),
      'ioctl(MEDIA_IOC_SETUP_LINK)',
      `${this.name}: cannot ${enabled ? 'enable' : 'disable'} '${source.entity}' → '${sink.entity}'`,
      (errno) => (errno === ERRNO.EBUSY ? 'The pipeline is streaming: stop it first' : undefined),
    );
    return { ...l, enabled };
  }

  /** Close the node. Once; later calls do nothing. */
  close(): void {
    this.#node.close();
  }

  /** `using`: close() when the scope ends. */
  [Symbol.dispose](): void {
    this.close();
  }
}
