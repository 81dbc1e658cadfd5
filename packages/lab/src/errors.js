/** An error of the lab itself (not of the command run inside it). */
export class LabError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, cause?: unknown, consoleLog?: string, exitCode?: number }} [opts]
   */
  constructor(message, opts = {}) {
    // an error class builds an error from whatever it is given
    const o = opts !== null && typeof opts === 'object' ? opts : {};
    super(messageText(message), o.cause === undefined ? undefined : { cause: o.cause });
    /** Always 'LabError'. */
    this.name = 'LabError';
    /** What went wrong, errno-like: 'EUSAGE' (bad command line), 'ETIMEDOUT', 'ENOKERNEL', ... ('ELAB' by default). */
    this.code = typeof o.code === 'string' && o.code ? o.code : 'ELAB';
    /** The guest's console log of the failed run, when it booted (its last lines are in the message). */
    this.consoleLog = typeof o.consoleLog === 'string' ? o.consoleLog : undefined;
    /**
     * The exit code dmabuf-lab ends with: 2 for a usage error, 124 for a timeout, 1 otherwise.
     * @type {number}
     */
    this.exitCode = typeof o.exitCode === 'number' && Number.isInteger(o.exitCode) ? o.exitCode : 1;
  }
}

/** @param {unknown} message */
function messageText(message) {
  if (message === undefined) return '';
  try {
    return String(message);
  } catch {
    return Object.prototype.toString.call(message);
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
  if (!Array.isArray(missing) || missing.some((m) => typeof m !== 'string'))
    throw new LabError(
      `Expected an array of strings for missing but received ${Array.isArray(missing) ? 'an array with a non-string' : typeof missing}`,
      { code: 'EINVAL' },
    );
  if (detail !== undefined && typeof detail !== 'string')
    throw new LabError(`Expected a string for detail but received ${typeof detail}`, { code: 'EINVAL' });
  const what = missing.join(', ');
  return new LabError(
    `dmabuf-lab cannot provision: missing ${what}.` +
      (detail ? ` (${detail})` : '') +
      ` The lab needs Debian's bookworm-backports linux-image-6.12.*-amd64-unsigned and apt access to fetch it. ` +
      ownKernelHint,
    { code: 'ENOKERNEL' },
  );
}
