import { DmaBufError, text } from '../errors.js';

/**
 * A pixel format or modifier that cannot work here: `format` (and
 * `modifier`) say what was asked, `available` what is on offer.
 */
export class PixelFormatError extends DmaBufError {
  readonly format: string;
  readonly modifier: bigint | undefined;
  readonly available: readonly string[];

  constructor(
    message: string,
    what: { format: string; modifier?: bigint; available: readonly string[] },
    hint: string,
  ) {
    super(message, { code: 'EINVAL', hint });
    const w: Partial<typeof what> = typeof what === 'object' && what !== null ? what : {};
    this.format = text(w.format);
    this.modifier = typeof w.modifier === 'bigint' ? w.modifier : undefined;
    this.available = Array.isArray(w.available) ? w.available : [];
  }
}
