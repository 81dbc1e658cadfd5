import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { labSuite } from '../guest/suite.js';
import { drmCards, videoNames } from './sysfs.js';

// The drivers provisioning builds from the kernel's source (Debian does not build them).
// Each suite skips, saying why, when its driver did not build or was not asked for.

const loaded = (m: string) => statSync(join('/sys/module', m)).isDirectory();
const nodeNamed = (name: string) => Object.entries(videoNames()).filter(([, n]) => n === name);
const v4l2Info = (node: string) => execFileSync('v4l2-ctl', ['-d', node, '--info'], { encoding: 'utf8' });

labSuite('vim2m (built from the kernel source)', { needs: ['vim2m'] }, () => {
  it('is loaded after v4l2-mem2mem and gives a memory-to-memory video node', () => {
    expect(loaded('v4l2_mem2mem')).toBe(true);
    const nodes = nodeNamed('vim2m');
    expect(nodes).toHaveLength(1);
    const dev = join('/dev', nodes[0]![0]);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    const info = v4l2Info(dev);
    expect(info).toMatch(/Driver name\s+: vim2m/);
    expect(info).toMatch(/Video Memory-to-Memory/);
  });
});

labSuite('vicodec (built from the kernel source)', { needs: ['vicodec'] }, () => {
  it('gives the stateful FWHT encoder and decoder and the stateless decoder', () => {
    for (const name of ['stateful-encoder', 'stateful-decoder', 'stateless-decoder']) {
      const nodes = nodeNamed(name);
      expect(nodes, name).toHaveLength(1);
      const info = v4l2Info(join('/dev', nodes[0]![0]));
      expect(info).toMatch(/Driver name\s+: vicodec/);
      expect(info).toMatch(/Memory-to-Memory/);
    }
  });
});

labSuite('vimc (built from the kernel source)', { needs: ['vimc'] }, () => {
  it('gives a media graph: sensors, debayer, scaler and the capture nodes', () => {
    const media = readdirSync('/sys/bus/media/devices').find(
      (m) => readFileSync(join('/sys/bus/media/devices', m, 'model'), 'utf8').trim() === 'VIMC MDEV',
    );
    expect(media).toBeDefined();
    const graph = execFileSync('media-ctl', ['-d', join('/dev', media!), '-p'], { encoding: 'utf8' });
    for (const entity of ['Sensor A', 'Sensor B', 'Debayer A', 'Scaler', 'Raw Capture 0', 'RGB/YUV Capture'])
      expect(graph).toContain(entity);
    for (const name of ['Raw Capture 0', 'Raw Capture 1', 'RGB/YUV Capture'])
      expect(nodeNamed(name), name).toHaveLength(1);
  });
});

/** modetest's planes of one driver: type (Overlay/Primary/Cursor) and formats. */
function planes(driver: string): { type: string; formats: string[] }[] {
  const text = execFileSync('modetest', ['-M', driver, '-p'], { encoding: 'utf8' });
  const out: { type: string; formats: string[] }[] = [];
  for (const block of text.split(/\n(?=\d+\s+\d+\s+\d+\s+\d+,\d+)/).slice(1)) {
    const formats = /formats:\s*([^\n]*)/.exec(block)?.[1]?.trim().split(/\s+/) ?? [];
    const type = /\btype:[\s\S]*?value:\s*(\d)/.exec(block)?.[1];
    out.push({ type: ['Overlay', 'Primary', 'Cursor'][Number(type)] ?? `?${type}`, formats });
  }
  return out;
}

labSuite(
  'vkms (built from the kernel source, enable_overlay=1 enable_writeback=1)',
  { needs: ['vkms'] },
  () => {
    it('is a DRM card with a Writeback connector', () => {
      const cards = drmCards();
      const card = Object.keys(cards).find((c) => cards[c] === 'vkms');
      expect(card, JSON.stringify(cards)).toBeDefined();
      const connectors = readdirSync('/sys/class/drm').filter((f) => f.startsWith(`${card}-`));
      expect(connectors).toContain(`${card}-Writeback-1`);
      expect(statSync(join('/dev/dri', card!)).isCharacterDevice()).toBe(true);
      // The cards of the drivers Debian ships keep their numbers: vkms loads last.
      expect(cards.card0).toBe('vgem');
      expect(cards.card1).toBe('virtio_gpu');
    });

    it('has a primary plane and overlay planes taking XR24, AR24 and RG16', () => {
      const list = planes('vkms');
      console.log('vkms planes', list);
      expect(list.filter((p) => p.type === 'Primary')).toHaveLength(1);
      const overlays = list.filter((p) => p.type === 'Overlay');
      expect(overlays.length).toBeGreaterThan(0);
      for (const f of ['XR24', 'AR24', 'RG16']) expect(overlays[0]!.formats).toContain(f);
    });
  },
);
