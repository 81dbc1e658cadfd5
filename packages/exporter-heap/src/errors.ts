import { DmaBufError } from '@dmabuf/core';

/**
 * A dma-heap refused a request, before the ioctl (checked in TypeScript) or
 * in it. `code`/`errno` are what the kernel returns for the same input; the
 * message says what to change.
 */
export class HeapError extends DmaBufError {
  /** The heap asked for. */
  readonly heap: string | undefined;

  constructor(message: string, code: string, hint: string, heap?: string, syscall?: string) {
    super(message, { code, hint, ...(syscall ? { syscall } : {}) });
    this.heap = heap;
  }
}
