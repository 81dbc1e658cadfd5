/** Where a command writes: process.stdout/stderr by default, buffers in tests. */
export interface Io {
  /** Write to standard output. */
  out(text: string): void;
  /** Write to standard error. */
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Exit codes: 0 ok, 1 a failure, 2 bad usage. */
export const EXIT = {
  /** 0: the command did what was asked. */
  ok: 0,
  /** 1: it failed (a device or file that could not be read, a system error). */
  failure: 1,
  /** 2: bad usage (unknown option, bad value): nothing was done. */
  usage: 2,
} as const;

/** Bad usage (unknown option, bad value): exit code 2, with the message and where to read more. */
export class UsageError extends Error {
  /** Always 'UsageError'. */
  override readonly name = 'UsageError';

  /** An error class builds an error from whatever it is given (a message that cannot be made text is described). */
  constructor(message?: unknown, options?: ErrorOptions) {
    super(messageText(message), options !== null && typeof options === 'object' ? options : undefined);
  }
}

function messageText(message: unknown): string {
  if (message === undefined) return '';
  try {
    return String(message);
  } catch {
    return Object.prototype.toString.call(message);
  }
}
