import type { DevicesReport, DrmReport, V4l2QueueReport, V4l2Report } from '../devices/types.js';
import { formatBytes } from './bytes.js';

const yes = (b: boolean | undefined) => (b === undefined ? '?' : b ? 'yes' : 'no');

function queueLines(q: V4l2QueueReport): string[] {
  const dma = q.capabilitiesError
    ? `buffer capabilities unknown (${q.capabilitiesError})`
    : `dma-buf import ${yes(q.dmabufImport)}, MMAP + EXPBUF export ${yes(q.mmapExport)}`;
  const lines = [`    ${q.kind}: ${dma}`];
  for (const f of q.formats) {
    const sizes = f.sizes.map((s) => (s.rates.length ? `${s.size}@${s.rates.join(',')}` : s.size)).join(' ');
    lines.push(
      `      ${f.fourcc.padEnd(4)} ${f.description}${f.compressed ? ' (compressed)' : ''}${sizes ? `: ${sizes}` : ''}`,
    );
  }
  return lines;
}

function v4l2Lines(d: V4l2Report): string[] {
  return [
    `  ${d.path}  ${d.driver} '${d.card}' ${d.busInfo} (kernel ${d.version})`,
    `    caps: ${d.deviceCaps.join(', ') || 'none'}`,
    ...d.queues.flatMap(queueLines),
  ];
}

function drmLines(d: DrmReport): string[] {
  const caps = Object.entries(d.caps)
    .filter(([, v]) => v)
    .map(([k]) => k);
  const lines = [`  ${d.path}  ${d.version}, ${d.node} node`, `    caps: ${caps.join(', ') || 'none'}`];
  for (const c of d.connectors)
    lines.push(`    connector ${c.name} ${c.connection}${c.modes.length ? `: ${c.modes.join(' ')}` : ''}`);
  for (const p of d.planes) {
    const formats = Object.entries(p.formats).map(([f, m]) => `${f}[${m.join(',')}]`);
    lines.push(`    plane ${p.id} ${p.type}: ${formats.join(' ')}`);
  }
  return lines;
}

/** `dmabuf devices` as text. */
export function renderDevices(r: DevicesReport): string {
  const out: string[] = [];
  out.push(`V4L2 (${r.v4l2.length})`, ...(r.v4l2.length ? r.v4l2.flatMap(v4l2Lines) : ['  none']));
  out.push(`DRM (${r.drm.length})`, ...(r.drm.length ? r.drm.flatMap(drmLines) : ['  none']));
  out.push(
    `DMA heaps (${r.heaps.length})`,
    ...(r.heaps.length
      ? r.heaps.map((h) => `  ${h.name}  ${h.path}${h.accessible ? '' : '  (not readable by this user)'}`)
      : ['  none (no /dev/dma_heap: the kernel needs CONFIG_DMABUF_HEAPS)']),
  );
  const u = r.udmabuf;
  out.push('udmabuf');
  if (!u.present) out.push(`  ${u.path}: absent (the kernel needs CONFIG_UDMABUF)`);
  else
    out.push(
      `  ${u.path}${u.accessible ? '' : ' (not readable by this user)'}: size_limit_mb ${u.limits.sizeLimitMb}, list_limit ${u.limits.listLimit} (${u.limits.source === 'sysfs' ? '/sys/module/udmabuf/parameters' : 'kernel defaults: sysfs not readable'})`,
      `  huge pages: ${u.hugePages.free} free of ${u.hugePages.total}, ${formatBytes(u.hugePages.size)} each`,
    );
  if (r.notRead.length)
    out.push('Not read:', ...r.notRead.map((n) => `  ${n.path}: ${n.code}: ${n.message}`));
  return `${out.join('\n')}\n`;
}
