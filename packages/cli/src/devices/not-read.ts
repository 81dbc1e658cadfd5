import type { DeviceNotRead } from './types.js';

/** A device failure as a report line: its errno code and message (plus the hint of a DmaBufError). */
export function notReadOf(path: string, e: unknown): DeviceNotRead {
  const err = e as { code?: unknown; message?: unknown; hint?: unknown };
  const code = typeof err.code === 'string' ? err.code : 'EIO';
  const message = String(err.message ?? e);
  const hint = typeof err.hint === 'string' && err.hint ? ` (${err.hint})` : '';
  return { path, code, message: `${message}${hint}` };
}
