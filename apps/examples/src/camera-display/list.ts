import { Display, DrmDevice, describeMode, listDrmDevices, readKms } from '@dmabuf/exporter-drm';
import { V4l2Device } from '@dmabuf/importer-v4l2';

const rate = (f: { numerator: number; denominator: number }): string =>
  `${Math.round((f.denominator / f.numerator) * 100) / 100}`;

/** The cameras: each capture node with its formats, sizes and frame rates. */
export function listCameras(): string[] {
  const lines: string[] = [];
  for (const info of V4l2Device.list()) {
    if (!info.queues.some((q) => q.startsWith('capture'))) continue;
    using cam = V4l2Device.open(info.path);
    lines.push(`camera ${info.path}: ${info.card} (${info.driver})`);
    for (const f of cam.formats()) {
      const sizes = cam.frameSizes(f.pixelformat).map((s) => {
        if (s.type === 'discrete') {
          const rates = cam.frameIntervals(f.pixelformat, s.minWidth, s.minHeight).map((i) => rate(i.min));
          return `${s.minWidth}x${s.minHeight}${rates.length ? `@${[...new Set(rates)].join('/')}` : ''}`;
        }
        return `${s.minWidth}x${s.minHeight}..${s.maxWidth}x${s.maxHeight} (${s.type})`;
      });
      lines.push(
        `  ${f.pixelformat} ${f.description}${f.compressed ? ' (compressed)' : ''}: ${sizes.join(' ') || 'no sizes listed'}`,
      );
    }
  }
  return lines.length ? lines : ['no camera (V4L2 capture node) found'];
}

/** The displays: each KMS device with its connectors (modes) and planes (type, formats). */
export function listDisplays(): string[] {
  const lines: string[] = [];
  for (const info of listDrmDevices()) {
    if (!info.caps?.kms) continue;
    using dev = DrmDevice.open(info.path);
    // A display takes universal planes; opening one does not touch the screen.
    using _display = tryOpen(dev);
    const kms = readKms(dev);
    lines.push(`display ${dev.label}`);
    for (const c of kms.connectors) {
      const current = kms.crtcs.find((x) =>
        kms.encoders.some((e) => e.id === c.encoderId && e.crtcId === x.id),
      )?.mode;
      const modes = [...new Set(c.modes.map(describeMode))];
      lines.push(
        `  connector ${c.name} ${c.connection}${current ? `, now ${describeMode(current)}` : ''}: ${modes.join(' ') || 'no modes'}`,
      );
    }
    for (const p of kms.planes)
      lines.push(
        `  plane ${p.id} ${p.type} (CRTC mask 0b${p.possibleCrtcs.toString(2)}): ${p.formats.join(' ')}`,
      );
  }
  return lines.length ? lines : ['no display (DRM device with modesetting) found'];
}

function tryOpen(dev: DrmDevice): Disposable {
  try {
    return Display.open(dev);
  } catch {
    return { [Symbol.dispose]() {} };
  }
}
