/** An error of the lab itself (not of the command run inside it). */
export class LabError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, cause?: unknown, consoleLog?: string, exitCode?: number }} [opts]
   */
  constructor(message, opts = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LabError';
    this.code = opts.code ?? 'ELAB';
    this.consoleLog = opts.consoleLog;
    this.exitCode = opts.exitCode ?? 1;
  }
}

const ownKernelHint =
  'To use a kernel of your own, set DMABUF_LAB_KERNEL=/path/to/vmlinuz and ' +
  'DMABUF_LAB_MODULES=/path/to/unpacked/root (a folder holding lib/modules/<version>/).';

/**
 * The message for a lab that cannot get its kernel.
 * @param {string[]} missing what could not be had, e.g. ['apt-get', 'linux-image-6.12.*-amd64-unsigned']
 * @param {string} [detail]
 */
export function missingKernelError(missing, detail) {
  const what = missing.join(', ');
  return new LabError(
    `dmabuf-lab cannot provision: missing ${what}.` +
      (detail ? ` (${detail})` : '') +
      ` The lab needs Debian's bookworm-backports linux-image-6.12.*-amd64-unsigned and apt access to fetch it. ` +
      ownKernelHint,
    { code: 'ENOKERNEL' },
  );
}
