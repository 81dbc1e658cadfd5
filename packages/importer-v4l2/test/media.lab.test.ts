import { DmaBufError, LifecycleError, openFdCount } from '@dmabuf/core';
import { refusalOf } from '@dmabuf/core/testing';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { MediaDevice, V4l2Device, V4l2Subdev } from '../src/index.js';

labSuite('media controller on vimc', { needs: ['vimc'] }, () => {
  it('lists the media device and reads its graph: entities, functions, pads, data links, device nodes', () => {
    const fds = openFdCount();
    {
      expect(MediaDevice.list().map((d) => d.driver)).toContain('vimc');
      using media = MediaDevice.find({ driver: 'vimc' });
      expect(media.info).toMatchObject({ driver: 'vimc', model: 'VIMC MDEV' });
      const t = media.topology();
      const byName = new Map(t.entities.map((e) => [e.name, e]));
      for (const n of [
        'Sensor A',
        'Sensor B',
        'Debayer A',
        'Debayer B',
        'Raw Capture 0',
        'Raw Capture 1',
        'RGB/YUV Input',
        'Scaler',
        'RGB/YUV Capture',
      ])
        expect(byName.has(n), n).toBe(true);
      expect(byName.get('Sensor A')).toMatchObject({
        function: 'cam-sensor',
        pads: [{ index: 0, direction: 'source' }],
      });
      expect(byName.get('Scaler')!.function).toBe('proc-video-scaler');
      expect(byName.get('Debayer A')!.pads.map((p) => p.direction)).toEqual(['sink', 'source']);
      expect(byName.get('Sensor A')!.devnode).toMatch(/^\/dev\/v4l-subdev\d+$/);
      const capture = byName.get('RGB/YUV Capture')!;
      expect(capture.function).toBe('io-v4l');
      expect(capture.devnode).toMatch(/^\/dev\/video\d+$/);
      using node = V4l2Device.open(capture.devnode!);
      expect(node.info.driver).toBe('vimc');
      const link = (a: string, ap: number, b: string, bp: number) =>
        media.link({ entity: a, pad: ap }, { entity: b, pad: bp });
      expect(link('Sensor A', 0, 'Debayer A', 0)).toMatchObject({ enabled: true, immutable: true });
      expect(link('Debayer A', 1, 'Scaler', 0)).toMatchObject({ enabled: true, immutable: false });
      expect(link('Debayer B', 1, 'Scaler', 0)).toMatchObject({ enabled: false });
      expect(() => media.entity('Nope')).toThrow(/has no entity 'Nope'/);
      expect(() => link('Sensor A', 0, 'Scaler', 0)).toThrow(/has no link/);
    }
    expect(openFdCount()).toBe(fds);
  });

  it('switches the scaler input between the debayers (MEDIA_IOC_SETUP_LINK); an immutable link is refused', () => {
    using media = MediaDevice.find({ driver: 'vimc' });
    const a = { entity: 'Debayer A', pad: 1 };
    const b = { entity: 'Debayer B', pad: 1 };
    const scaler = { entity: 'Scaler', pad: 0 };
    try {
      media.setLink(a, scaler, false);
      media.setLink(b, scaler, true);
      expect(media.link(a, scaler).enabled).toBe(false);
      expect(media.link(b, scaler).enabled).toBe(true);
    } finally {
      media.setLink(b, scaler, false);
      media.setLink(a, scaler, true);
    }
    expect(media.link(a, scaler).enabled).toBe(true);
    let err: unknown;
    try {
      media.setLink({ entity: 'Sensor A', pad: 0 }, { entity: 'Debayer A', pad: 0 }, false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DmaBufError);
    expect(err).toMatchObject({ code: 'EINVAL' });
    expect(String(err)).toMatch(/is immutable/);
  });

  it('reads and sets sub-device pad formats (VIDIOC_SUBDEV_G/S_FMT); a code a pad does not take is refused naming what it takes', () => {
    const fds = openFdCount();
    {
      using media = MediaDevice.find({ driver: 'vimc' });
      using sensor = V4l2Subdev.open(media.entity('Sensor A').devnode!);
      using scaler = V4l2Subdev.open(media.entity('Scaler').devnode!);
      const set = sensor.setFormat(0, { width: 640, height: 480, code: 'SRGGB8_1X8' });
      expect(set).toMatchObject({ width: 640, height: 480, code: 'SRGGB8_1X8' });
      expect(sensor.getFormat(0)).toEqual(set);
      expect(sensor.codes(0)).toEqual(expect.arrayContaining(['SRGGB8_1X8', 'RGB888_1X24']));
      scaler.setFormat(0, { width: 640, height: 480, code: 'RGB888_1X24' });
      expect(scaler.setFormat(1, { width: 320, height: 240 })).toMatchObject({
        width: 320,
        height: 240,
        code: 'RGB888_1X24',
      });
      const tried = scaler.setFormat(1, { width: 100, height: 100 }, 'try');
      expect(tried).toMatchObject({ width: 100, height: 100 });
      expect(scaler.getFormat(1)).toMatchObject({ width: 320, height: 240 }); // TRY changed nothing active
      expect(() => scaler.setFormat(0, { code: 'SRGGB8_1X8' })).toThrow(/replaced SRGGB8_1X8 by RGB888_1X24/);
      expect(() => scaler.setFormat(0, { code: 'NOPE' })).toThrow(/unknown media bus code 'NOPE'/);
      expect(() => V4l2Subdev.open(media.entity('RGB/YUV Capture').devnode!)).toThrow(
        /is not a V4L2 sub-device/,
      );
    }
    expect(openFdCount()).toBe(fds);
  });

  it('a closed media device or sub-device refuses every call with EBADF saying how to reopen; close() twice is harmless', () => {
    const fds = openFdCount();
    const media = MediaDevice.find({ driver: 'vimc' });
    const sensor = V4l2Subdev.open(media.entity('Sensor A').devnode!);
    const a = { entity: 'Debayer A', pad: 1 };
    const scaler = { entity: 'Scaler', pad: 0 };
    media.close();
    sensor.close();
    sensor[Symbol.dispose]();
    media.close();
    expect(openFdCount()).toBe(fds);
    for (const call of [
      () => media.topology(),
      () => media.setLink(a, scaler, true),
      () => sensor.getFormat(0),
      () => sensor.setFormat(0, { width: 640, height: 480 }),
      () => sensor.codes(0),
    ]) {
      const e = refusalOf(call, LifecycleError);
      expect(e.code).toBe('EBADF');
      expect(e.hint).toMatch(/Open it again \((MediaDevice|V4l2Subdev)\.open\)/);
    }
  });
});
