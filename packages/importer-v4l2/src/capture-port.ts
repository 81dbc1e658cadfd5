// A V4L2 queue as a link port (native/port_capture.cc): a capture queue is
// a source (QBUFs every slot, streams, DQBUFs and requeues without
// JavaScript), an output queue a sink (QBUF at submit, done at DQBUF: an M2M
// device's OUTPUT, fed by a camera's link). This side claims the queue's
// stream for the link and turns a native failure into the queue's typed error.
import {
  type DmaBuf,
  type DmaBufError,
  ERRNO,
  LifecycleError,
  type LinkPort,
  SystemError,
} from '@dmabuf/core';
import { check } from '@dmabuf/core/driver';
import { isOutputKind, MEMORY } from './constants.js';
import { notLinkable, StreamError, streamErrorHint } from './errors.js';
import { v4l2 } from './native.js';
import type { QueueHost } from './queue-types.js';
import type { SlotTable } from './slot-table.js';
import type { QueueStream } from './stream.js';

/** What the port needs of its queue. */
export interface CapturePortHost {
  readonly queue: {
    readonly name: string;
    readonly kind: string;
    readonly memory: 'dmabuf' | 'mmap';
    readonly count: number;
    readonly planeCount: number;
    readonly format: { planes: readonly { sizeimage: number }[] };
  };
  readonly host: QueueHost;
  readonly type: number;
  readonly slots: SlotTable;
  readonly stream: QueueStream;
}

const IOCTL: Record<string, string> = {
  start: 'VIDIOC_STREAMON',
  dequeue: 'VIDIOC_DQBUF',
  requeue: 'VIDIOC_QBUF',
  submit: 'VIDIOC_QBUF',
  collect: 'VIDIOC_DQBUF',
  stop: 'VIDIOC_STREAMOFF',
};

/** The link port of a queue (queue.port()): a capture queue's is a source, an output queue's a sink. */
export function capturePort(h: CapturePortHost): LinkPort {
  const { queue, host } = h;
  const output = isOutputKind(queue.kind as never);
  if (output && queue.memory !== 'dmabuf')
    throw new LifecycleError(`${queue.name}: an output queue is a link sink with dma-buf memory only`, {
      code: 'EINVAL',
      hint: "Open the queue with { memory: 'dmabuf' } and attach the source's buffers to it",
    });
  const slotBuffers = (): DmaBuf[][] => {
    if (queue.memory === 'mmap') return [];
    return h.slots.slots.map((s) => s.buffers);
  };
  return {
    kind: output ? 'sink' : 'source',
    name: queue.name,
    slots: () => {
      if (queue.memory === 'mmap') return Array.from({ length: queue.count }, () => []);
      return slotBuffers();
    },
    claim(link: string, stopNow?: () => void): object {
      const slots = queue.memory === 'mmap' ? queue.count : h.slots.slots.length;
      if (queue.memory === 'dmabuf') {
        // the slots must be 0..n-1: the port QBUFs by index
        h.slots.slots.forEach((s, i) => {
          if (s.index !== i)
            throw new LifecycleError(`${queue.name}: slot ${i} has no buffer (slot ${s.index} has)`, {
              code: 'EINVAL',
              hint: 'Attach buffers to the queue in order (queue.attach(buf) for each) before linking',
            });
        });
      }
      if (slots < 2)
        throw new LifecycleError(`${queue.name}: a link needs at least 2 buffers, the queue has ${slots}`, {
          code: 'EINVAL',
          hint: 'Attach more buffers (one on screen, one being filled)',
        });
      const planes = queue.planeCount;
      const fds = new Int32Array(slots * planes).fill(-1);
      const lengths = new Uint32Array(slots * planes);
      for (let s = 0; s < slots; s++) {
        for (let p = 0; p < planes; p++) {
          lengths[s * planes + p] = queue.format.planes[p]!.sizeimage;
          if (queue.memory === 'dmabuf') {
            const plane = h.slots.at(s)!.planes[p]!;
            fds[s * planes + p] = plane.buffer.borrowFd();
            // an output plane is sent whole: its format's size (what the device reads), not the buffer's
            if (!output) lengths[s * planes + p] = plane.buffer.size - plane.offset;
          }
        }
      }
      const { stream } = h;
      if (stream.state !== 'idle' || stream.queued > 0 || stream.linkedBy)
        throw notLinkable(queue.name, stream.linkedBy, stream.state, stream.queued);
      stream.linkedBy = link;
      // closing the queue ends the link first (the engine streams a source off at once; an output
      // sink is streamed off here, so that REQBUFS 0 can free its buffers)
      stream.stopLink = () => {
        stopNow?.();
        v4l2().streamoff(host.fd, h.type);
      };
      host.poller.quiesce(); // the link watches the device itself
      const make = output ? v4l2().outputPort : v4l2().capturePort;
      const port = make(host.fd, h.type, MEMORY[queue.memory], slots, planes, fds, lengths);
      if (typeof port === 'number') {
        stream.linkedBy = undefined;
        stream.stopLink = undefined;
        check(port, 'capturePort', `${queue.name}: cannot make a link port`);
      }
      return port as object;
    },
    release(): void {
      h.stream.linkedBy = undefined;
      h.stream.stopLink = undefined;
    },
    failure(errno: number, op: string): DmaBufError {
      const syscall = op === 'poll' ? 'poll' : `ioctl(${IOCTL[op] ?? op})`;
      const what = `${queue.name}: ${op} failed in the link`;
      const hint = streamErrorHint(errno);
      const cause = new SystemError(what, errno, syscall, hint);
      if (errno === ERRNO.ENODEV) return host.lost(cause);
      return new StreamError(`${what}; the link was stopped`, {
        code: cause.code,
        errno,
        syscall,
        ...(hint ? { hint } : {}),
        cause,
      });
    },
  };
}
