import {
  assertFd,
  assertPositive,
  assertString,
  assertUint,
  closeFd,
  ERRNO,
  invalidArgument,
} from '@dmabuf/core';
import { check, memfdBits } from '@dmabuf/core/driver';
import type { CheckedRange } from './memfd-check.js';
import { udmabufNative } from './native.js';

/** The udmabuf misc device. */
export const UDMABUF_DEVICE = '/dev/udmabuf';

const { EACCES, EBADFD, EINVAL, ENODEV, ENOENT, ENOMEM, ENOSPC } = ERRNO;
/** createOwn reports -(step * STEP + errno). */
const STEP = 4096;

function openHint(path: string) {
  return (errno: number): string | undefined => {
    if (errno === ENOENT || errno === ENODEV) {
      return `This kernel has no ${path}: build it with CONFIG_UDMABUF or load the module (modprobe udmabuf); on a machine without it, run in the virtual lab: npx -p @dmabuf/lab dmabuf-lab run -- <command>`;
    }
    if (errno === EACCES)
      return `Give this user read-write access to ${path} (it is often group 'kvm'), or run as root`;
    return undefined;
  };
}

/** What the kernel's errno means for UDMABUF_CREATE(_LIST), when the TypeScript checks did not see it coming. */
function createHint(errno: number): string | undefined {
  switch (errno) {
    case EINVAL:
      return 'udmabuf refused the ranges: offsets and sizes must be page aligned, every memfd sealed with F_SEAL_SHRINK and not F_SEAL_WRITE, the total within size_limit_mb and the count within list_limit (/sys/module/udmabuf/parameters)';
    case EBADFD:
      return 'An fd is not a memfd (or was closed): pass open memfds from memfd_create';
    case ENOMEM:
      return 'The kernel could not pin the pages: free memory, or for hugetlb memfds reserve huge pages (echo N > /proc/sys/vm/nr_hugepages)';
    default:
      return undefined;
  }
}

/**
 * The open /dev/udmabuf: opened at the first buffer, closed by close().
 * Takes ranges that were already checked and always asks for CLOEXEC.
 */
export class UdmabufDevice {
  /** The device node, /dev/udmabuf unless given. */
  readonly path: string;
  #fd = -1;

  constructor(path = UDMABUF_DEVICE) {
    assertString('device', path, 4095);
    this.path = path;
  }

  /** True between the first create and close(). */
  get isOpen(): boolean {
    return this.#fd >= 0;
  }

  /** The device fd, opening it on first use. */
  fd(): number {
    if (this.#fd < 0) {
      this.#fd = check(
        udmabufNative().openDevice(this.path),
        `open(${this.path})`,
        `cannot open ${this.path}`,
        openHint(this.path),
      );
    }
    return this.#fd;
  }

  /** A dma-buf fd (CLOEXEC) over the ranges: UDMABUF_CREATE for one, UDMABUF_CREATE_LIST for several or when asked. */
  create(ranges: readonly CheckedRange[], forceList = false): number {
    if (!Array.isArray(ranges) || !ranges.length)
      throw invalidArgument('ranges', 'a non-empty array of checked ranges', ranges);
    ranges.forEach((r, i) => {
      if (typeof r !== 'object' || r === null)
        throw invalidArgument(`ranges[${i}]`, '{ memfd, offset, size }', r);
      assertFd(`ranges[${i}].memfd`, r.memfd);
      assertUint(`ranges[${i}].offset`, r.offset);
      assertPositive(`ranges[${i}].size`, r.size);
    });
    if (typeof forceList !== 'boolean') throw invalidArgument('forceList', 'a boolean', forceList);
    const n = udmabufNative();
    const flags = n.udmabuf.UDMABUF_FLAGS_CLOEXEC;
    const dev = this.fd();
    if (ranges.length === 1 && !forceList) {
      const r = ranges[0]!;
      return check(
        n.create(dev, r.memfd, r.offset, r.size, flags),
        'ioctl(UDMABUF_CREATE)',
        `udmabuf: cannot create a ${r.size}-byte buffer from ${r.source}`,
        createHint,
      );
    }
    const items = new Float64Array(ranges.length * 3);
    ranges.forEach((r, i) => {
      items[3 * i] = r.memfd;
      items[3 * i + 1] = r.offset;
      items[3 * i + 2] = r.size;
    });
    const total = ranges.reduce((s, r) => s + r.size, 0);
    return check(
      n.createList(dev, flags, items),
      'ioctl(UDMABUF_CREATE_LIST)',
      `udmabuf: cannot create a ${total}-byte buffer from ${ranges.length} ranges`,
      createHint,
    );
  }

  /**
   * A dma-buf (CLOEXEC) over a new memfd of its own, in one native call:
   * memfd_create (MFD_ALLOW_SEALING, MFD_HUGETLB if asked), ftruncate to
   * `memfdSize`, seal against shrink, grow and further seals, UDMABUF_CREATE
   * of `size` bytes, close the memfd (the dma-buf keeps its pages pinned).
   */
  createOwn(name: string, memfdSize: number, size: number, hugetlb: boolean): number {
    assertString('name', name, 249);
    assertPositive('memfdSize', memfdSize);
    assertPositive('size', size);
    if (typeof hugetlb !== 'boolean') throw invalidArgument('hugetlb', 'a boolean', hugetlb);
    const n = udmabufNative();
    const dev = this.fd();
    const memfd = memfdBits({ hugetlb, seals: ['shrink', 'grow', 'seal'] });
    const r = n.createOwn(
      dev,
      name,
      memfdSize,
      memfd.flags,
      memfd.seals,
      size,
      n.udmabuf.UDMABUF_FLAGS_CLOEXEC,
    );
    if (r >= 0) return r;
    const step = Math.floor(-r / STEP);
    const errno = -r % STEP;
    const huge = hugetlb ? ' (hugetlb)' : '';
    switch (step) {
      case 1:
        return check(-errno, 'memfd_create', `udmabuf: cannot create a memfd${huge}`, (e) =>
          e === EINVAL && hugetlb
            ? 'This kernel has no hugetlb memfds (CONFIG_HUGETLBFS); export without hugetlb'
            : undefined,
        );
      case 2:
        return check(-errno, 'ftruncate', `udmabuf: cannot size a memfd${huge} to ${memfdSize} bytes`, (e) =>
          e === ENOMEM || e === ENOSPC
            ? 'Free memory (or reserve huge pages: echo N > /proc/sys/vm/nr_hugepages)'
            : undefined,
        );
      case 3:
        return check(-errno, 'fcntl(F_ADD_SEALS)', `udmabuf: cannot seal a new memfd${huge}`);
      default:
        return check(
          -errno,
          'ioctl(UDMABUF_CREATE)',
          `udmabuf: cannot create a ${size}-byte buffer${huge}`,
          createHint,
        );
    }
  }

  /** Close /dev/udmabuf (buffers made through it stay valid). Once; later calls do nothing. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeFd(fd);
  }
}
