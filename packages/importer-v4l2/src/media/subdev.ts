import {
  assertObject,
  assertPositive,
  assertString,
  assertUint,
  closeFd,
  DmaBufError,
  ERRNO,
} from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { FIELD_NONE } from '../constants.js';
import { v4l2 } from '../native.js';
import { MBUS_CODES, mbusName } from './media-names.js';
import { NodeFd } from './node-fd.js';

/** A pad's media bus format. */
export interface MbusFormat {
  /** Pixels. */
  width: number;
  /** Lines. */
  height: number;
  /** MEDIA_BUS_FMT_* name ('SRGGB8_1X8', 'RGB888_1X24', …) or hex when unnamed. */
  code: string;
  /** V4L2_FIELD_* (1: progressive). */
  field: number;
  /** V4L2_COLORSPACE_*. */
  colorspace: number;
}

/** Which pad format: the one in use (`active`) or a trial one (`try`, V4L2_SUBDEV_FORMAT_TRY). */
export type FormatWhich = 'active' | 'try';

/** What to set; fields left out keep the pad's current value. */
export interface MbusFormatRequest {
  /** Pixels; omitted: the current width. */
  width?: number;
  /** Lines; omitted: the current height. */
  height?: number;
  /** A MEDIA_BUS_FMT_* name ('RGB888_1X24') or hex code; omitted: the current one. */
  code?: string;
}

/**
 * A V4L2 sub-device node (/dev/v4l-subdevN): one entity of a media graph (a
 * sensor, a debayer, a scaler), whose pad formats you read and set.
 */
export class V4l2Subdev implements Disposable {
  /** The node, e.g. '/dev/v4l-subdev0'. */
  readonly path: string;
  readonly #node: NodeFd;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#node = new NodeFd(fd, this.name, 'V4l2Subdev.open');
  }

  /** Open a sub-device node (/dev/v4l-subdev*); a node that is not one (SUBDEV_G_FMT answers ENOTTY) is refused. */
  static open(path: string): V4l2Subdev {
    assertString('path', path, 4096);
    const fd = check(v4l2().open(path), 'open', `cannot open sub-device ${path}`);
    const probe = v4l2().subdevFormat(fd, 0, 1, false, 0, 0, 0, 0);
    if (typeof probe === 'number' && probe === -ERRNO.ENOTTY) {
      closeFd(fd);
      throw new DmaBufError(`${path} is not a V4L2 sub-device`, {
        code: 'ENOTTY',
        errno: ERRNO.ENOTTY,
        hint: 'Pass a /dev/v4l-subdevN node (MediaDevice.entity(name).devnode gives it)',
      });
    }
    return new V4l2Subdev(path, fd);
  }

  /** 'V4L2 sub-device /dev/v4l-subdev0': how messages name it. */
  get name(): string {
    return `V4L2 sub-device ${this.path}`;
  }

  /** VIDIOC_SUBDEV_G_FMT of a pad. */
  getFormat(pad: number, which: FormatWhich = 'active'): MbusFormat {
    assertUint('pad', pad, 255);
    const r = check(
      v4l2().subdevFormat(this.#node.fd, pad, which === 'active' ? 1 : 0, false, 0, 0, 0, 0),
      'ioctl(VIDIOC_SUBDEV_G_FMT)',
      `${this.name}: cannot read the format of pad ${pad}`,
      (errno) => (errno === ERRNO.EINVAL ? 'No such pad on this entity' : undefined),
    );
    return { ...r, code: mbusName(r.code) };
  }

  /**
   * VIDIOC_SUBDEV_S_FMT of a pad: returns what the driver kept (it adjusts
   * sizes and may refuse a code: a FormatError naming the codes the pad takes).
   */
  setFormat(pad: number, request: MbusFormatRequest, which: FormatWhich = 'active'): MbusFormat {
    assertUint('pad', pad, 255);
    assertObject('request', request);
    if (request.width !== undefined) assertPositive('request.width', request.width, 65535);
    if (request.height !== undefined) assertPositive('request.height', request.height, 65535);
    const cur = this.getFormat(pad, which);
    let code = cur.code;
    if (request.code !== undefined) {
      assertString('request.code', request.code, 32);
      if (MBUS_CODES[request.code] === undefined)
        throw new DmaBufError(`unknown media bus code '${request.code}'`, {
          code: 'EINVAL',
          hint: `Known: ${Object.keys(MBUS_CODES).join(', ')}`,
        });
      code = request.code;
    }
    const raw = check(
      v4l2().subdevFormat(
        this.#node.fd,
        pad,
        which === 'active' ? 1 : 0,
        true,
        request.width ?? cur.width,
        request.height ?? cur.height,
        MBUS_CODES[code] ?? Number.parseInt(code, 16),
        FIELD_NONE,
      ),
      'ioctl(VIDIOC_SUBDEV_S_FMT)',
      `${this.name}: cannot set the format of pad ${pad}`,
      (errno) => (errno === ERRNO.EBUSY ? 'The pipeline is streaming: stop it first' : undefined),
    );
    const got = { ...raw, code: mbusName(raw.code) };
    if (request.code !== undefined && got.code !== request.code) {
      throw new DmaBufError(`${this.name} pad ${pad} replaced ${request.code} by ${got.code}`, {
        code: 'EINVAL',
        hint: `Pad ${pad} takes ${this.codes(pad, which).join(', ')}`,
      });
    }
    return got;
  }

  /** Media bus codes a pad offers (VIDIOC_SUBDEV_ENUM_MBUS_CODE). */
  codes(pad: number, which: FormatWhich = 'active'): string[] {
    const out: string[] = [];
    for (let i = 0; i < 256; i++) {
      const r = v4l2().subdevEnumCode(this.#node.fd, pad, which === 'active' ? 1 : 0, i);
      if (r === -ERRNO.EINVAL) break;
      out.push(
        mbusName(
          check(r, 'ioctl(VIDIOC_SUBDEV_ENUM_MBUS_CODE)', `${this.name}: cannot list pad ${pad} codes`),
        ),
      );
    }
    return out;
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
