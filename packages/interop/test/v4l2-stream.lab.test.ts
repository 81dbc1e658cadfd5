import {
  type DmaBuf,
  Framework,
  NegotiationError,
  openFdCount,
  ReleasedError,
  readFdInfo,
  SystemError,
} from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';
import { drmExporterPlugin } from '@dmabuf/exporter-drm';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  controlKey,
  StreamError,
  V4l2Device,
  type V4l2Queue,
  v4l2ExporterPlugin,
} from '../../importer-v4l2/src/index.js'; // the same module as its vivid helpers
import { quietPattern, resetVivid, take, vividCapture } from '../../importer-v4l2/test/lab-helpers.js';

/** Y of the pixel at (x, y) of a YUYV image with `pitch` bytes per line. */
function lumaAt(bytes: Uint8Array, pitch: number, x: number, y: number): number {
  return bytes[y * pitch + x * 2]!;
}

function udmabufs(fw: Framework, q: V4l2Queue, n: number, plane = 0): DmaBuf[] {
  return Array.from({ length: n }, () =>
    fw.export({ exporter: 'udmabuf', size: q.format.planes[plane]!.sizeimage }),
  );
}

function putAll(bufs: DmaBuf[]): void {
  for (const b of bufs) if (!b.released) b.put();
}

labSuite('V4L2 streaming on vivid', { needs: ['vivid', 'udmabuf', 'virtio-gpu'] }, () => {
  let fw: Framework;
  let cap: V4l2Device;

  beforeAll(async () => {
    fw = await Framework.create({ plugins: [udmabufPlugin(), memfdExporterPlugin(), v4l2ExporterPlugin()] });
    cap = vividCapture();
    resetVivid(cap);
    quietPattern(cap);
    cap.setFrameInterval('capture', { numerator: 1, denominator: 60 });
    fw.export({ exporter: 'udmabuf', size: 4096 }).put(); // opens /dev/udmabuf, kept until close: not a leak
  });
  afterAll(async () => {
    cap?.close();
    await fw?.close();
  });

  it('captures into udmabuf buffers: stable slots, frames, requeue, clean stop with every buffer detached', async () => {
    const fdsBefore = openFdCount();
    const q = cap.queue('capture', { count: 4 });
    const bufs = udmabufs(fw, q, 4);
    try {
      expect(q.capabilities.dmabuf).toBe(true);
      const slots = bufs.map((b) => q.attach(b));
      expect(new Set(slots.map((s) => s.index)).size).toBe(4);
      expect(q.attach(bufs[2]!)).toBe(slots[2]); // the same buffer, the same slot
      expect(bufs[0]!.attachments[0]!.device).toBe(`V4L2 ${cap.path} (capture)`);
      for (const b of bufs) q.queue(b);
      expect(q.queuedCount).toBe(4);
      q.start();
      const seen: { index: number; buffer: DmaBuf; seq: number; ts: number }[] = [];
      await take(q, 10, (f) => {
        expect(f.bytesUsed).toBe(460800);
        expect(f.error).toBe(false);
        seen.push({ index: f.index, buffer: f.buffer!, seq: f.sequence, ts: f.timestampUs });
        using access = f.buffer!.cpuAccess('read');
        const y = access.bytes;
        const where = `frame ${f.sequence}, row 200: ${[...y.subarray(200 * 1280, 200 * 1280 + 16)].join(',')}`;
        expect(lumaAt(y, 1280, 40, 200), where).toBeGreaterThan(170); // 75% white bar
        expect(lumaAt(y, 1280, 600, 200), where).toBeLessThan(20); // black bar
      });
      // every buffer came back in the slot it was attached to (no re-import)
      for (const s of seen) expect(bufs[slots.findIndex((x) => x.index === s.index)]).toBe(s.buffer);
      expect(new Set(seen.map((s) => s.index)).size).toBe(4);
      const order = seen.map((s) => `${s.index}:${s.seq}@${s.ts}`).join(' ');
      // (the first two are left out: under TCG vivid has been seen restarting its count right after STREAMON)
      for (let i = 3; i < seen.length; i++) {
        expect(seen[i]!.seq, order).toBeGreaterThan(seen[i - 1]!.seq);
        expect(seen[i]!.ts, order).toBeGreaterThan(seen[i - 1]!.ts);
      }
      q.stop();
      expect(q.streaming).toBe(false);
      expect(q.slots).toHaveLength(0);
      for (const b of bufs) expect(b.attachments).toHaveLength(0);
    } finally {
      q.close();
      putAll(bufs);
    }
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('frames() ends when the stream is stopped elsewhere, or when its signal aborts', async () => {
    const q = cap.queue('capture', { count: 2 });
    const bufs = udmabufs(fw, q, 2);
    try {
      for (const b of bufs) q.queue(b);
      q.start();
      let n = 0;
      for await (const f of q.frames()) {
        f.drop(); // keep it: nothing is requeued, so the next wait can only end by stop()
        if (++n === 2) setTimeout(() => q.stop(), 50);
      }
      expect(n).toBe(2);
      expect(q.slots).toHaveLength(0);
      for (const b of bufs) q.queue(b);
      q.start();
      const ac = new AbortController();
      const got: number[] = [];
      for await (const f of q.frames({ signal: ac.signal })) {
        got.push(f.sequence);
        f.requeue();
        if (got.length === 3) ac.abort();
      }
      expect(got).toHaveLength(3);
      expect(q.streaming).toBe(true);
      await expect(q.dequeue({ signal: AbortSignal.abort(new Error('no wait')) })).rejects.toThrow('no wait');
    } finally {
      q.close();
      putAll(bufs);
    }
  });

  it('conformance: REQBUFS DMABUF agrees with V4L2_BUF_CAP_SUPPORTS_DMABUF; EXPBUF on an importing queue fails', () => {
    const caps = cap.bufferCapabilities('capture');
    const q = cap.queue('capture', { memory: 'dmabuf', count: 2 });
    try {
      expect(caps.dmabuf).toBe(true);
      expect(q.count).toBeGreaterThanOrEqual(2);
      expect(q.capabilities.bits).toBe(caps.bits);
      expect(() => q.exportFd(0)).toThrow(SystemError);
      expect(() => q.exportFd(0)).toThrow(
        expect.objectContaining({ code: 'EINVAL', syscall: 'ioctl(VIDIOC_EXPBUF)' }),
      );
      expect(() => q.exportFd(0)).toThrow(/Only MMAP buffers can be exported/);
      // mmap of an importing queue's buffer through the device fails
      expect(() => q.mapBuffer(0)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'mmap' }));
      expect(() => q.mapBuffer(0)).toThrow(/Only MMAP buffers can be mapped through the device/);
    } finally {
      q.close();
    }
  });

  it('conformance: a buffer smaller than the plane is refused before the ioctl, naming both sizes', () => {
    const q = cap.queue('capture', { count: 2 });
    const small = fw.export({ exporter: 'udmabuf', size: 409600 });
    try {
      expect(() => q.attach(small)).toThrow(NegotiationError);
      expect(() => q.queue(small)).toThrow(
        /V4L2 \/dev\/video\d+ \(capture\) needs 460800 bytes, buffer #\d+ \(udmabuf\) has 409600/,
      );
      expect(small.attachments).toHaveLength(0);
      expect(q.slots).toHaveLength(0);
      expect(q.state).toBe('idle');
    } finally {
      q.close();
      small.put();
    }
  });

  it('conformance: QBUF with a bogus fd (not a dma-buf) is refused by the kernel: a typed error, the stream stopped, all detached', async () => {
    const fdsBefore = openFdCount();
    const q = cap.queue('capture', { count: 3 });
    const good = udmabufs(fw, q, 1);
    const bogus = fw.export({ exporter: 'memfd-test', size: 462848 }); // a memfd: attaches, but the kernel cannot import it
    try {
      q.queue(good[0]!);
      q.start();
      let err: unknown;
      try {
        q.queue(bogus);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StreamError);
      expect(err).toMatchObject({ code: 'EINVAL', errno: 22, syscall: 'ioctl(VIDIOC_QBUF)' });
      expect((err as Error).message).toMatch(
        /the kernel refused buffer index \d+ \(buffer #\d+ \(memfd-test\), 462848 bytes\); the stream was stopped/,
      );
      expect((err as StreamError).cause).toBeInstanceOf(SystemError);
      expect(q.streaming).toBe(false);
      expect(q.slots).toHaveLength(0);
      expect(bogus.attachments).toHaveLength(0);
      expect(good[0]!.attachments).toHaveLength(0);
      await expect(q.dequeue()).rejects.toThrow(StreamError);
    } finally {
      q.close();
      putAll([...good, bogus]);
    }
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('conformance: QBUF echoes the fd and length; stream on/off twice', async () => {
    const q = cap.queue('capture', { count: 2 });
    const bufs = udmabufs(fw, q, 2);
    try {
      for (let round = 0; round < 2; round++) {
        for (const b of bufs) {
          const echo = q.queue(b);
          expect(echo.planes).toEqual([
            expect.objectContaining({ fd: b.borrowFd(), length: b.size, dataOffset: 0 }),
          ]);
        }
        q.start();
        q.start(); // idempotent
        const f = await q.dequeue();
        expect(bufs).toContain(f.buffer);
        f.requeue();
        q.stop();
        q.stop(); // idempotent
        expect(q.slots).toHaveLength(0);
      }
    } finally {
      q.close();
      putAll(bufs);
    }
  });

  it('a released buffer or a foreign fd: typed errors before any ioctl; a received fd keeps working after the sender closes it', async () => {
    const q = cap.queue('capture', { count: 2 });
    const bufs = udmabufs(fw, q, 2);
    const gone = fw.export({ exporter: 'udmabuf', size: 462848 });
    gone.put();
    try {
      expect(() => q.queue(gone)).toThrow(ReleasedError);
      expect(() => q.queue(7)).toThrow(/an integer between 0 and 1/);
      expect(() => q.queue(1)).toThrow(/index 1 has no buffer attached/);
      expect(() => q.attach([bufs[0]!, bufs[1]!])).toThrow(/1 buffer\(s\), one per memory plane/);
      // a buffer received as an fd number (another process, say): the framework keeps its own dup
      const fd = bufs[1]!.fd();
      const received = fw.get(fd);
      expect(received).toBe(bufs[1]);
      received.put();
      const { closeFd } = await import('@dmabuf/core');
      closeFd(fd);
      q.queue(bufs[0]!);
      q.queue(bufs[1]!);
      q.start();
      const f = await q.dequeue();
      expect(f.bytesUsed).toBe(460800);
      f.requeue();
    } finally {
      q.close();
      putAll(bufs);
    }
  });

  it('multi-planar: NM12 into two udmabufs per buffer (per-plane fds)', async () => {
    using mp = V4l2Device.find({ driver: 'vivid', queue: 'capture-mplane' });
    quietPattern(mp);
    mp.setFormat('capture-mplane', { width: 640, height: 360, pixelformat: 'NM12' });
    const q = mp.queue('capture-mplane', { count: 3 });
    expect(q.planeCount).toBe(2);
    const ys = udmabufs(fw, q, 3, 0);
    const uvs = udmabufs(fw, q, 3, 1);
    try {
      expect(() => q.attach([uvs[0]!, ys[0]!])).toThrow(
        /plane 0 needs 230400 bytes, buffer #\d+ \(udmabuf\) has 118784/,
      );
      expect(() => q.attach([{ buffer: ys[0]!, offset: 4096 }, uvs[0]!])).toThrow(
        /kernel writes every captured plane at the start/,
      );
      for (let i = 0; i < 3; i++) {
        const echo = q.queue([ys[i]!, uvs[i]!]);
        expect(echo.planes.map((p) => p.fd)).toEqual([ys[i]!.borrowFd(), uvs[i]!.borrowFd()]);
      }
      q.start();
      await take(q, 4, (f) => {
        expect(f.planeBytesUsed).toEqual([230400, 115200]);
        expect(f.buffers).toHaveLength(2);
        const i = ys.indexOf(f.buffers[0]!);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(f.buffers[1]).toBe(uvs[i]);
        using y = f.buffers[0]!.cpuAccess('read');
        using uv = f.buffers[1]!.cpuAccess('read');
        expect(y.bytes[200 * 640 + 40]).toBeGreaterThan(170); // white bar luma
        expect(Math.abs(uv.bytes[100 * 640 + 40]! - 128)).toBeLessThan(4); // grey: neutral chroma
      });
      q.stop();
      for (const b of [...ys, ...uvs]) expect(b.attachments).toHaveLength(0);
    } finally {
      q.close();
      putAll([...ys, ...uvs]);
    }
  });

  it('output queue: vivid reads buffers it imported, and gives them back', async () => {
    using out = V4l2Device.find({ driver: 'vivid', queue: 'output', busInfo: cap.info.busInfo });
    const fmt = out.setFormat('output', { width: 640, height: 360, pixelformat: 'YUYV' });
    const q = out.queue('output', { count: 3 });
    const bufs = udmabufs(fw, q, 3);
    try {
      for (const b of bufs) {
        using w = b.cpuAccess('write');
        w.bytes.fill(0x80);
      }
      for (const b of bufs) {
        const echo = q.queue(b, { bytesUsed: fmt.planes[0]!.sizeimage });
        expect(echo.planes[0]!.bytesUsed).toBe(460800);
      }
      expect(() => q.queue(bufs[0]!)).toThrow(/already queued/);
      q.start();
      const seqs: number[] = [];
      await take(q, 6, (f) => {
        expect(bufs).toContain(f.buffer);
        seqs.push(f.sequence);
      });
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      q.stop();
      for (const b of bufs) expect(b.attachments).toHaveLength(0);
    } finally {
      q.close();
      putAll(bufs);
    }
  });

  it('multi-planar output: both planes of NM12 in one buffer, by offset (data_offset)', async () => {
    using mpo = V4l2Device.find({ driver: 'vivid', queue: 'output-mplane' });
    const fmt = mpo.setFormat('output-mplane', { width: 640, height: 360, pixelformat: 'NM12' });
    expect(fmt.planes.map((p) => p.sizeimage)).toEqual([230400, 115200]);
    const q = mpo.queue('output-mplane', { count: 3 });
    const bufs = Array.from({ length: 3 }, () => fw.export({ exporter: 'udmabuf', size: 230400 + 115200 }));
    try {
      const slots = bufs.map((b) => q.attach([b, { buffer: b, offset: 230400 }]));
      expect(bufs[0]!.attachments.map((a) => a.device)).toEqual([
        `V4L2 ${mpo.path} (output-mplane) plane 0`,
        `V4L2 ${mpo.path} (output-mplane) plane 1`,
      ]);
      for (const slot of slots) {
        const echo = q.queue(slot);
        expect(echo.planes.map((p) => [p.fd, p.dataOffset, p.bytesUsed])).toEqual([
          [slot.buffer!.borrowFd(), 0, 230400],
          [slot.buffer!.borrowFd(), 230400, 345600],
        ]);
      }
      q.start();
      const back = await q.dequeue({ timeoutMs: 30_000 });
      expect(bufs).toContain(back.buffer);
      expect(back.buffers).toEqual([back.buffer, back.buffer]);
      q.stop();
      for (const b of bufs) expect(b.attachments).toHaveLength(0);
    } finally {
      q.close();
      putAll(bufs);
    }
  });

  it('V4L2 as an exporter: MMAP buffers via EXPBUF are DmaBufs with their layout, recognised by exp_name', async () => {
    const fdsBefore = openFdCount();
    const q = cap.queue('capture', { memory: 'mmap', count: 3 });
    const bufs = q.exportBuffers(fw);
    try {
      expect(() => q.attach(bufs[0]!)).toThrow(/MMAP queue allocates its own buffers/);
      const info = readFdInfo(bufs[0]!.borrowFd());
      expect(info.expName).toBe('videobuf2_vmalloc');
      expect(bufs[0]!.exporter.name).toBe('v4l2');
      expect(bufs[0]!.layout).toMatchObject({
        width: 640,
        height: 360,
        format: 'YUYV',
        planes: [{ offset: 0, pitch: 1280, size: 460800 }],
      });
      expect(bufs[0]!.size).toBe(info.size);
      // a received fd of a vb2 buffer is matched back to the v4l2 exporter by exp_name
      await using other = await Framework.create({ plugins: [v4l2ExporterPlugin()] });
      const fd = bufs[1]!.fd();
      const received = other.get(fd);
      const { closeFd } = await import('@dmabuf/core');
      closeFd(fd);
      expect(received.exporter.name).toBe('v4l2');
      expect(received.expName).toBe('videobuf2_vmalloc');
      expect(received.identity).toBe(bufs[1]!.identity);
      received.put();
      // the same memory, mapped through the device fd
      {
        using view = q.mapBuffer(1);
        using viaDmaBuf = bufs[1]!.cpuAccess('read');
        expect(view.bytes.length).toBe(460800);
        expect(
          Buffer.compare(Buffer.from(view.bytes), Buffer.from(viaDmaBuf.bytes.subarray(0, 460800))),
        ).toBe(0);
      }
      // stream into them (MMAP) and read the frames through the exported dma-bufs
      for (let i = 0; i < q.count; i++) q.queue(i);
      q.start();
      await take(q, 4, (f) => {
        expect(f.buffer).toBe(bufs[f.index]);
        using r = f.buffer!.cpuAccess('read');
        expect(lumaAt(r.bytes, 1280, 40, 200)).toBeGreaterThan(170);
      });
      q.stop();
    } finally {
      q.close();
      putAll(bufs);
    }
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('camera to camera: vivid capture buffers (exported) are imported by vivid output (zero copy)', async () => {
    using out = V4l2Device.find({ driver: 'vivid', queue: 'output', busInfo: cap.info.busInfo });
    out.setFormat('output', { width: 640, height: 360, pixelformat: 'YUYV' });
    const cq = cap.queue('capture', { memory: 'mmap', count: 4 });
    const oq = out.queue('output', { memory: 'dmabuf', count: 4 });
    const bufs = cq.exportBuffers(fw);
    try {
      for (let i = 0; i < cq.count; i++) cq.queue(i);
      cq.start();
      oq.start();
      const frames = [];
      for (let i = 0; i < 3; i++) frames.push(await cq.dequeue({ timeoutMs: 30_000 }));
      for (const f of frames) oq.queue(f.buffer!); // the output imports the capture's dma-buf
      for (const f of frames)
        expect(f.buffer!.attachments.map((a) => a.device)).toEqual([`V4L2 ${out.path} (output)`]);
      // vivid's output hands a buffer back once the next one is queued (it keeps the last one, for loopback)
      const back = [await oq.dequeue({ timeoutMs: 30_000 }), await oq.dequeue({ timeoutMs: 30_000 })];
      expect(back.map((b) => b.buffer)).toEqual(frames.slice(0, 2).map((f) => f.buffer));
      oq.stop();
      for (const f of frames) {
        expect(f.buffer!.attachments).toHaveLength(0);
        f.requeue();
      }
      await expect(oq.dequeue({ timeoutMs: 50 })).rejects.toThrow(/stopped/);
      cq.stop();
    } finally {
      oq.close();
      cq.close();
      putAll(bufs);
    }
  });

  it('a wait that never ends in a buffer times out with a typed error that says why', async () => {
    using out = V4l2Device.find({ driver: 'vivid', queue: 'output', busInfo: cap.info.busInfo });
    const q = out.queue('output', { count: 2 });
    const bufs = udmabufs(fw, q, 1);
    try {
      q.queue(bufs[0]!);
      q.start();
      await expect(q.dequeue({ timeoutMs: 1500 })).rejects.toMatchObject({
        code: 'ETIMEDOUT',
        message: expect.stringMatching(
          /timed out after 1500 ms. 1 buffer\(s\) queued: a driver may need more queued/,
        ),
      });
      expect(q.streaming).toBe(true); // a timeout is the caller's to act on
    } finally {
      q.close();
      putAll(bufs);
    }
  });

  it('display-allocated buffers: capture into virtio-gpu dumb buffers, checked through CPU access', async () => {
    await using dfw = await Framework.create({
      plugins: [drmExporterPlugin({ needs: { driver: 'virtio_gpu' } })],
    });
    cap.setFormat('capture', { width: 640, height: 360, pixelformat: 'XR24' });
    const q = cap.queue('capture', { count: 3 });
    const bufs = Array.from({ length: 3 }, () =>
      dfw.export({ width: 640, height: 360, format: 'XR24', constraints: q.constraints() }),
    );
    try {
      expect(bufs[0]!.expName).toBe('virtio_gpu');
      expect(bufs[0]!.layout.planes[0]!.pitch).toBe(2560);
      for (const b of bufs) q.queue(b);
      q.start();
      await take(q, 3, (f) => {
        expect(bufs).toContain(f.buffer);
        using r = f.buffer!.cpuAccess('read');
        const px = (x: number, y: number) =>
          [...r.bytes.subarray(y * 2560 + x * 4, y * 2560 + x * 4 + 3)].reverse(); // BGRX → RGB
        // eight 80-px bars of 75% colour
        expect(px(40, 200)).toEqual([191, 191, 191]);
        expect(px(120, 200)).toEqual([191, 191, 0]);
        expect(px(200, 200)).toEqual([0, 191, 191]);
        expect(px(280, 200)).toEqual([0, 191, 0]);
        expect(px(360, 200)).toEqual([191, 0, 191]);
        expect(px(440, 200)).toEqual([191, 0, 0]);
        expect(px(520, 200)).toEqual([0, 0, 191]);
        expect(px(600, 200)).toEqual([0, 0, 0]);
      });
      q.stop();
      for (const b of bufs) expect(b.attachments).toHaveLength(0);
    } finally {
      q.close();
      putAll(bufs);
      cap.setFormat('capture', { width: 640, height: 360, pixelformat: 'YUYV' });
    }
  });

  it('loopback: what vivid output reads from our buffers comes back on its capture (S-Video in ← out)', async () => {
    using out = V4l2Device.find({ driver: 'vivid', queue: 'output', busInfo: cap.info.busInfo });
    const input = cap.ios().find((i) => /^S-Video/.test(i.name))!;
    const output = out.ios(true).find((o) => /^S-Video/.test(o.name))!;
    const link = `${controlKey(input.name)}_is_connected_to`;
    const bufs: DmaBuf[] = [];
    let oq: V4l2Queue | undefined;
    let cq: V4l2Queue | undefined;
    try {
      cap.setIo(input.index);
      out.setIo(output.index, true);
      cap.setControl(link, cap.control(link).menu!.find((m) => m.name === `Output ${output.name}`)!.index);
      cap.setControl('osd_text_mode', 2);
      const fmt = cap.getFormat();
      out.setFormat('output', {
        width: fmt.width,
        height: fmt.height,
        pixelformat: fmt.pixelformat,
        field: fmt.field,
      });
      expect(out.getFormat()).toEqual(fmt);
      oq = out.queue('output', { count: 3 });
      cq = cap.queue('capture', { count: 3 });
      const obufs = udmabufs(fw, oq, 3);
      const cbufs = udmabufs(fw, cq, 3);
      bufs.push(...obufs, ...cbufs);
      const sizeimage = oq.format.planes[0]!.sizeimage;
      const pattern = [200, 90, 200, 240]; // YUYV: one reddish colour
      for (const b of obufs) {
        using w = b.cpuAccess('write');
        for (let i = 0; i < sizeimage; i += 4) w.bytes.set(pattern, i);
      }
      for (const b of obufs) oq.queue(b);
      for (const b of cbufs) cq.queue(b);
      oq.start();
      cq.start();
      const feeding = (async () => {
        for await (const f of oq!.frames()) f.requeue();
      })();
      await take(cq, 3, (f) => {
        expect(cbufs).toContain(f.buffer);
        using r = f.buffer!.cpuAccess('read');
        const got = r.bytes.subarray(0, sizeimage);
        let same = 0;
        for (let i = 0; i < got.length; i += 4)
          if (got[i] === 200 && got[i + 1] === 90 && got[i + 2] === 200 && got[i + 3] === 240) same++;
        expect(same).toBe(sizeimage / 4);
      });
      oq.stop();
      await feeding;
      cq.stop();
    } finally {
      cq?.close();
      oq?.close();
      putAll(bufs);
      cap.setControl(link, 0);
      resetVivid(cap);
      out.setIo(0, true);
    }
  });
});
