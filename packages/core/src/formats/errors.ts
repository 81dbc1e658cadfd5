import { DmaBufError, text } from '../errors.js';

/**
 * A pixel format or modifier that cannot work here: `format` (and
 * `modifier`) say what was asked, `available` what is on offer.
 */
export class PixelFormatError extends DmaBufError {
  /** The format asked for, as given (a fourcc such as 'NV12', or a name). */
  readonly format: string;
  /** The modifier asked for, when a refusal names a single one; undefined otherwise (the message then lists them). */
  readonly modifier: bigint | undefined;
  /** What is on offer instead: fourccs, or modifier names when no modifier was in common (may be empty). */
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
