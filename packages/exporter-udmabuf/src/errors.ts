import { DmaBufError, errnoValue } from '@dmabuf/core';

/** What a UdmabufError says beyond its code: the limit hit or the seal at fault. */
export interface UdmabufErrorDetail {
  /** The module parameter whose limit was hit. */
  limit?: 'size_limit_mb' | 'list_limit';
  /** The seal that is missing ('F_SEAL_SHRINK') or must be absent ('F_SEAL_WRITE', ...). */
  seal?: string;
  /** Index of the offending range in `options.ranges`. */
  range?: number;
}

/**
 * udmabuf refused a request, before the ioctl (checked in TypeScript) or in
 * it. `code`/`errno` are what the kernel returns for the same input; the
 * message says what to change.
 */
export class UdmabufError extends DmaBufError {
  /** The udmabuf module parameter whose limit was hit ('size_limit_mb' or 'list_limit'), if that was the cause. */
  readonly limit: UdmabufErrorDetail['limit'];
  /** The memfd seal at fault: missing ('F_SEAL_SHRINK') or present and not allowed ('F_SEAL_WRITE', ...). */
  readonly seal: string | undefined;
  /** Index of the offending range in `options.ranges`, when one range was at fault. */
  readonly range: number | undefined;

  constructor(
    message: string,
    code: string,
    hint: string,
    detail: UdmabufErrorDetail = {},
    syscall?: string,
    cause?: unknown,
  ) {
    super(message, {
      code,
      errno: errnoValue(code),
      hint,
      ...(syscall ? { syscall } : {}),
      ...(cause ? { cause } : {}),
    });
    this.limit = detail.limit;
    this.seal = detail.seal;
    this.range = detail.range;
  }
}
