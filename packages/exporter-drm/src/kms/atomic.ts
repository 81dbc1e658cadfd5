import { DmaBufError } from '@dmabuf/core';
import { drmNative } from '../native.js';

/**
 * An atomic request being built: (object, property, value) triples, grouped
 * by object the way DRM_IOCTL_MODE_ATOMIC wants them.
 */
export class AtomicRequest {
  readonly #byObject = new Map<number, Map<number, bigint>>();

  /** Set a property; a later set of the same property wins. */
  set(objectId: number, propertyId: number | undefined, value: number | bigint): this {
    if (propertyId === undefined) {
      throw new DmaBufError(`atomic: KMS object ${objectId} lacks a property this commit needs`, {
        code: 'EOPNOTSUPP',
        hint: 'The driver does not expose the standard atomic properties: open the display with { legacy: true }',
      });
    }
    let props = this.#byObject.get(objectId);
    if (!props) {
      props = new Map();
      this.#byObject.set(objectId, props);
    }
    props.set(propertyId, BigInt(value));
    return this;
  }

  get size(): number {
    let n = 0;
    for (const p of this.#byObject.values()) n += p.size;
    return n;
  }

  /** The four arrays the ioctl takes. */
  arrays(): { objects: number[]; counts: number[]; props: number[]; values: bigint[] } {
    const objects: number[] = [];
    const counts: number[] = [];
    const props: number[] = [];
    const values: bigint[] = [];
    for (const [obj, p] of this.#byObject) {
      objects.push(obj);
      counts.push(p.size);
      for (const [id, v] of p) {
        props.push(id);
        values.push(BigInt.asUintN(64, v));
      }
    }
    return { objects, counts, props, values };
  }

  /** DRM_IOCTL_MODE_ATOMIC of this request on `fd`: 0 or -errno. */
  commit(fd: number, flags: number, userData = 0): number {
    const a = this.arrays();
    return drmNative().atomicCommit(fd, flags, a.objects, a.counts, a.props, a.values, userData);
  }
}
