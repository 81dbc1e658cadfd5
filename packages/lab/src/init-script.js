import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The guest's /init (busybox sh, in guest-init.sh). It reads its orders from
 * the kernel command line (dmabuf_lab.mode=run|shell|probe) and from the `out`
 * share (.lab/params.sh, .lab/cmd.sh), builds a writable root (overlay of the
 * read-only host root over a tmpfs), loads the drivers with the host's kmod,
 * runs the command with its stdio on virtio ports, records the exit code in
 * the out share and powers off.
 */
export const guestOutDir = '/run/dmabuf-lab/out';

export function initScript() {
  const text = readFileSync(new URL('./guest-init.sh', import.meta.url), 'utf8');
  return text.replaceAll('@GUEST_OUT@', guestOutDir);
}

export function initScriptHash() {
  return createHash('sha256').update(initScript()).digest('hex').slice(0, 16);
}
