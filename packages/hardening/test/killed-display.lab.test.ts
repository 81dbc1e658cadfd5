import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeMode, findDrmDevice, readKms } from '@dmabuf/exporter-drm';
import { screendump } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { notRestored } from '../../interop/test/screen-restored.js';
import { awaitFreed, heldAnywhere, killAndAwaitFreed } from './killed-buffers.js';
import { startReadyChild } from './ready-child.js';

// Issue 15, faults: a process killed (SIGKILL: no handler of its own runs, so Display's restore at
// exit cannot) while its picture is on screen, as DRM master, with its buffers exported and mapped.
// What puts the screen back is the kernel: closing the last fd of the device drops master, and the
// DRM fbdev client restores the console's mode and picture (drm_lastclose). Checked from this
// process, which holds no fd of the device while the child runs: the picture (QMP screendump) and
// the CRTC's mode are what they were before, and none of the child's dma-bufs is left
// (/proc/*/fd + fdinfo + maps, and the kernel's debugfs list). Once with show() alone, once with a
// link flipping when the kill comes.
const CHILD = fileURLToPath(new URL('./fixtures/killed-display-child.mjs', import.meta.url));

interface Ready {
  child: ChildProcess;
  pid: number;
  inodes: number[];
  mode: string;
  mapped: number;
}

function startChild(mode: 'show' | 'link' | 'link-exit'): Promise<Ready> {
  return startReadyChild<Omit<Ready, 'child'>>(CHILD, [mode], 'child');
}

/** The CRTC driving the display now: its mode and framebuffer (read through a short-lived fd). */
function crtcNow(): { mode: string; fb: number } {
  using dev = findDrmDevice({ driver: 'virtio_gpu', display: true });
  const c = readKms(dev, { planes: false }).crtcs.find((x) => x.mode) ?? readKms(dev).crtcs[0]!;
  return { mode: c.mode ? describeMode(c.mode) : 'off', fb: c.fbId };
}

labSuite('a process killed while its picture is on screen', { needs: ['virtio-gpu'] }, () => {
  for (const mode of ['show', 'link'] as const) {
    it(`SIGKILL while ${mode === 'show' ? 'show()' : 'a link flipping'} has its picture on screen: the kernel restores the console (mode and picture), no dma-buf of it remains`, async () => {
      const crtcBefore = crtcNow();
      const before = await screendump(`killed-display-${mode}-before`);
      const h = await startChild(mode);
      expect(h.inodes).toHaveLength(2);
      expect(h.mapped).toBeGreaterThan(0);
      const during = await screendump(`killed-display-${mode}-during`);
      expect(notRestored(before, during), 'the child’s picture is on screen').not.toEqual([]);
      expect(heldAnywhere(h.inodes)).toEqual(h.inodes);
      const left = await killAndAwaitFreed(h.child, h.inodes);
      expect(left, 'buffers of the killed process still in bufinfo').toEqual([]);
      expect(heldAnywhere(h.inodes)).toEqual([]);
      // the console comes back (the fbdev client restores it at the last close; give it a moment)
      let why: string[] = ['not checked'];
      let after = before;
      for (let t = 0; t < 10 && why.length; t++) {
        if (t) await new Promise((r) => setTimeout(r, 300));
        after = await screendump(`killed-display-${mode}-after`);
        why = notRestored(before, after);
      }
      console.log(
        `killed ${mode}: child showed ${h.mode}; CRTC before ${JSON.stringify(crtcBefore)}, after ${JSON.stringify(crtcNow())}; screen ${why.join(', ') || 'restored'}`,
      );
      expect(why).toEqual([]);
      expect(crtcNow().mode).toBe(crtcBefore.mode);
    }, 120_000);
  }

  it('process.exit() while a link flips: Display’s restore at exit stops the link and joins its thread first, the process exits 0 and the console comes back', async () => {
    const crtcBefore = crtcNow();
    const before = await screendump('exit-display-link-before');
    const h = await startChild('link-exit');
    let out = '';
    h.child.stdout?.on('data', (d) => {
      out += String(d);
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
      h.child.once('exit', (c, s) => r([c, s])),
    );
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const line = out.split('\n').find((l) => l.startsWith('EXIT '));
    expect(line, `the child's EXIT line (stdout: ${out})`).toBeDefined();
    const seen = JSON.parse(line!.slice('EXIT '.length)) as { link: string; threads: number; shown: number };
    expect(seen).toMatchObject({ link: 'ended', threads: 0 });
    expect(seen.shown).toBeGreaterThanOrEqual(10);
    let why: string[] = ['not checked'];
    for (let t = 0; t < 10 && why.length; t++) {
      if (t) await new Promise((r) => setTimeout(r, 300));
      why = notRestored(before, await screendump('exit-display-link-after'));
    }
    expect(why).toEqual([]);
    expect(crtcNow().mode).toBe(crtcBefore.mode);
    const left = await awaitFreed(h.inodes);
    expect(left, 'buffers of the exited process still in bufinfo').toEqual([]);
  }, 120_000);
});
