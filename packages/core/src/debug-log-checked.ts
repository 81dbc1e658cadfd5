import { type DebugLog, debugLog as uncheckedDebugLog } from './debug-log.js';
import { assertString } from './validate.js';

/**
 * `debugLog(section)` for callers outside the core: the section checked (a string, e.g. 'udmabuf').
 * (The core's own modules use debug-log.js directly: errors.ts cannot import the validators.)
 */
export function debugLog(section: string): DebugLog {
  assertString('section', section, 64);
  return uncheckedDebugLog(section);
}
