import { InvalidArgumentError } from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FormatError, V4l2Device } from '../src/index.js';
import { resetVivid, sysVideoNames, vividCapture } from './lab-helpers.js';

labSuite('V4L2 device on vivid', { needs: ['vivid'] }, () => {
  let cap: V4l2Device;
  let mp: V4l2Device;

  beforeAll(() => {
    cap = vividCapture();
    resetVivid(cap);
    mp = V4l2Device.find({ driver: 'vivid', queue: 'capture-mplane' });
  });
  afterAll(() => {
    cap?.close();
    mp?.close();
  });

  it('finds nodes by capability and reads QUERYCAP', () => {
    const all = V4l2Device.list();
    expect(all.filter((d) => d.driver === 'vivid').length, sysVideoNames().join('\n')).toBeGreaterThanOrEqual(
      4,
    );
    expect(cap.info).toMatchObject({ driver: 'vivid', queues: ['capture'] });
    expect(cap.info.deviceCaps).toContain('streaming');
    expect(cap.info.version).toMatch(/^6\.12\./);
    expect(mp.info.queues).toEqual(['capture-mplane']);
    using out = V4l2Device.find({ driver: 'vivid', queue: 'output', busInfo: cap.info.busInfo });
    expect(out.info.deviceCaps).toContain('video-output');
    expect(() => V4l2Device.find({ driver: 'no-such-driver' })).toThrow(
      /Devices here: \/dev\/video0 \(vivid/,
    );
  });

  it('enumerates formats, frame sizes and frame intervals', () => {
    const formats = cap.formats().map((f) => f.pixelformat);
    expect(formats).toEqual(expect.arrayContaining(['YUYV', 'NV12', 'XR24', 'RGB3']));
    const sizes = cap.frameSizes('YUYV');
    expect(sizes).toContainEqual(
      expect.objectContaining({
        type: 'discrete',
        minWidth: 640,
        maxWidth: 640,
        minHeight: 360,
        maxHeight: 360,
      }),
    );
    const ivals = cap.frameIntervals('YUYV', 640, 360);
    expect(ivals.length).toBeGreaterThan(3);
    expect(ivals[0]).toMatchObject({ type: 'discrete', min: { numerator: 1, denominator: 1 } });
    expect(mp.formats().map((f) => f.pixelformat)).toEqual(expect.arrayContaining(['NM12', 'YUYV']));
  });

  it('gets and sets the format with the single-planar API', () => {
    const before = cap.getFormat();
    expect(before.planes).toHaveLength(1);
    try {
      const tried = cap.tryFormat('capture', { width: 320, height: 180, pixelformat: 'XR24' });
      expect(cap.getFormat().pixelformat).toBe(before.pixelformat); // TRY changes nothing
      const set = cap.setFormat('capture', { width: 320, height: 180, pixelformat: 'XR24' });
      expect(set).toEqual(tried);
      expect(set).toMatchObject({
        width: 320,
        height: 180,
        pixelformat: 'XR24',
        drmFormat: 'XR24',
        planes: [{ bytesperline: 1280, sizeimage: 230400 }],
      });
      expect(cap.getFormat()).toEqual(set);
    } finally {
      cap.setFormat('capture', {
        width: before.width,
        height: before.height,
        pixelformat: before.pixelformat,
      });
    }
  });

  it('gets and sets the format with the multi-planar API', () => {
    const nm12 = mp.setFormat('capture-mplane', { width: 640, height: 360, pixelformat: 'NM12' });
    expect(nm12).toMatchObject({
      pixelformat: 'NM12',
      drmFormat: 'NV12',
      planes: [
        { bytesperline: 640, sizeimage: 230400 },
        { bytesperline: 640, sizeimage: 115200 },
      ],
    });
    const yuyv = mp.setFormat('capture-mplane', { pixelformat: 'YUYV' });
    expect(yuyv.planes).toEqual([{ bytesperline: 1280, sizeimage: 460800 }]);
    expect(() => cap.getFormat('capture-mplane')).toThrow(/has no capture-mplane queue/);
  });

  it('an unsupported format is a FormatError naming what is offered', () => {
    expect(() => cap.setFormat('capture', { pixelformat: 'H264' })).toThrow(FormatError);
    expect(() => cap.setFormat('capture', { pixelformat: 'H264' })).toThrow(
      /does not offer pixel format H264.*Pick one of YUYV/,
    );
  });

  it('frame interval: get and set (G/S_PARM)', () => {
    const was = cap.getFrameInterval();
    const set = cap.setFrameInterval('capture', { numerator: 1, denominator: 30 });
    expect(set).toEqual({ numerator: 1, denominator: 30 });
    cap.setFrameInterval('capture', was);
  });

  it('controls: test pattern and OSD, typed values, validation before the ioctl', () => {
    const osd = cap.control('osd_text_mode');
    expect(osd.menu?.map((m) => m.name)).toEqual(['All', 'Counters Only', 'None']);
    expect(cap.setControl('osd_text_mode', 2)).toBe(2);
    expect(cap.getControl('OSD Text Mode')).toBe(2);
    expect(cap.setControl('test_pattern', 6)).toBe(6); // 100% White
    expect(cap.getControl('test_pattern')).toBe(6);
    cap.setControl('test_pattern', 0);
    expect(cap.setControl('horizontal_flip', true)).toBe(true);
    expect(cap.getControl('horizontal_flip')).toBe(true);
    cap.setControl('horizontal_flip', false);
    expect(cap.setControl('integer_64_bits', 2n ** 40n)).toBe(2n ** 40n);
    expect(cap.getControl('integer_64_bits')).toBe(2n ** 40n);
    expect(() => cap.setControl('osd_text_mode', 7)).toThrow(InvalidArgumentError);
    expect(() => cap.setControl('read_only_integer_32_bits', 1)).toThrow(
      expect.objectContaining({ code: 'EACCES' }),
    );
    expect(() => cap.getControl('no_such_control')).toThrow(/has no control 'no_such_control'/);
  });

  it('buffer capability bits say DMABUF is supported', () => {
    const caps = cap.bufferCapabilities('capture');
    expect(caps).toMatchObject({ mmap: true, dmabuf: true });
    expect(mp.bufferCapabilities().dmabuf).toBe(true);
  });
});
