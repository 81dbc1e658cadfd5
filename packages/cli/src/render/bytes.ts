const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 65536 → '64 KiB', 1536 → '1.5 KiB', 100 → '100 B'. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 || Number.isInteger(v) ? String(v) : v.toFixed(1);
  return `${text} ${UNITS[u]}`;
}

/** '+64 KiB', '-4 KiB', '0 B'. */
export function formatDelta(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : n < 0 ? `-${formatBytes(-n)}` : '0 B';
}
