import { describe, expect, it } from 'vitest';
import { sampleLine, sampleOf, summaryLine, type WatchSample } from '../src/commands/watch.js';
import type { Snapshot } from '../src/index.js';

function snap(bytes: number[], time = '2026-12-06T05:00:00.000Z'): Snapshot {
  return {
    time,
    uid: 0,
    buffers: [],
    processes: [
      {
        pid: 9,
        command: 'leaky',
        uid: 0,
        buffers: bytes.length,
        fds: bytes.length,
        mappings: 0,
        mappedBytes: 0,
        bytes: bytes.reduce((a, b) => a + b, 0),
      },
    ],
    exporters: [{ exporter: 'udmabuf', buffers: bytes.length, bytes: bytes.reduce((a, b) => a + b, 0) }],
    totals: { buffers: bytes.length, bytes: bytes.reduce((a, b) => a + b, 0) },
    kernelList: false,
    notRead: [],
  };
}

describe('watch samples', () => {
  it('carry totals, per exporter and per process, and the change since the previous sample', () => {
    const a = sampleOf(snap([4096]), undefined);
    const b = sampleOf(snap([4096, 65536], '2026-12-06T05:00:02.000Z'), a);
    expect(a).toMatchObject({ buffers: 1, bytes: 4096, deltaBuffers: 0, deltaBytes: 0 });
    expect(b).toMatchObject({
      buffers: 2,
      bytes: 69632,
      deltaBuffers: 1,
      deltaBytes: 65536,
      exporters: { udmabuf: { buffers: 2, bytes: 69632 } },
      processes: [{ pid: 9, command: 'leaky', buffers: 2, bytes: 69632 }],
    });
    expect(sampleLine(b)).toBe('05:00:02  2 buffers  68 KiB  (+1 buf, +64 KiB)  udmabuf 2/68 KiB');
  });

  it('the summary says when the bytes grew at every sample', () => {
    const samples: WatchSample[] = [];
    for (let i = 1; i <= 4; i++)
      samples.push(sampleOf(snap(new Array(i).fill(4096)), samples[samples.length - 1]));
    expect(summaryLine(samples)).toBe(
      '4 samples: 1 → 4 buffers, 4 KiB → 16 KiB (+12 KiB); grew at every sample: a leak? (dmabuf ls shows who holds what)',
    );
    const flat = [sampleOf(snap([4096]), undefined)];
    flat.push(sampleOf(snap([4096]), flat[0]), sampleOf(snap([4096]), flat[0]));
    expect(summaryLine(flat)).toBe('3 samples: 1 → 1 buffers, 4 KiB → 4 KiB (0 B)');
  });
});
