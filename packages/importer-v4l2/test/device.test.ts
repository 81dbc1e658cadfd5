import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DmaBufError, openFdCount } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { deviceInfo } from '../src/device-info.js';
import { decodeBufferCapabilities, decodeCapabilities, V4l2Device, videoNodes } from '../src/index.js';

describe('device discovery and opening (host: no V4L2 here)', () => {
  it('a missing node is ENOENT with a hint, and leaks nothing', () => {
    const before = openFdCount();
    expect(() => V4l2Device.open('/dev/video-does-not-exist')).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'open' }),
    );
    expect(() => V4l2Device.open('/dev/video-does-not-exist')).toThrow(/V4l2Device.list\(\)/);
    expect(openFdCount()).toBe(before);
  });

  it('a node that is not V4L2 is refused at QUERYCAP and its fd closed', () => {
    const before = openFdCount();
    expect(() => V4l2Device.open('/dev/null')).toThrow(
      expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl(VIDIOC_QUERYCAP)' }),
    );
    expect(openFdCount()).toBe(before);
  });

  it('list/find in a folder without video nodes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'v4l2-'));
    expect(videoNodes(dir)).toEqual([]);
    expect(V4l2Device.list(dir)).toEqual([]);
    expect(() => V4l2Device.find({ queue: 'capture' }, dir)).toThrow(DmaBufError);
    expect(() => V4l2Device.find({ queue: 'capture' }, dir)).toThrow(/modprobe vivid/);
    // @ts-expect-error wrong queue kind on purpose
    expect(() => V4l2Device.find({ queue: 'sideways' }, dir)).toThrow(/one of 'capture'/);
  });

  it('bad arguments are typed errors', () => {
    // @ts-expect-error wrong type on purpose
    expect(() => V4l2Device.open(42)).toThrow(DmaBufError);
  });
});

describe('capability bits', () => {
  it('decode vivid’s QUERYCAP: the node is a capture node', () => {
    const info = deviceInfo('/dev/video0', {
      driver: 'vivid',
      card: 'vivid',
      busInfo: 'platform:vivid-000',
      version: 0x060c75,
      capabilities: 0x9dbf0df3,
      deviceCaps: 0x05230001,
    });
    expect(info.queues).toEqual(['capture']);
    expect(info.deviceCaps).toEqual([
      'video-capture',
      'tuner',
      'audio',
      'ext-pix-format',
      'readwrite',
      'streaming',
    ]);
    expect(info.version).toBe('6.12.117');
    expect(decodeCapabilities(0x05220002)).toContain('video-output');
  });

  it('M2M nodes have both queues', () => {
    const info = deviceInfo('/dev/video9', {
      driver: 'x',
      card: 'x',
      busInfo: 'x',
      version: 0,
      capabilities: 0x84204000,
      deviceCaps: 0x04204000,
    });
    expect(info.queues).toEqual(['capture-mplane', 'output-mplane']);
  });

  it('buffer capabilities: is DMABUF supported', () => {
    expect(decodeBufferCapabilities(287)).toMatchObject({
      mmap: true,
      userptr: true,
      dmabuf: true,
      requests: true,
      orphanedBuffers: true,
      mmapCacheHints: false,
    });
    expect(decodeBufferCapabilities(1).dmabuf).toBe(false);
  });
});
