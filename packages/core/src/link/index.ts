export { countingSink, cyclingSource } from './core-ports.js';
export { assertNotHeld, holderOf } from './holds.js';
export { Link, type LinkState } from './link.js';
export type { LinkOptions, TapFrame } from './link-options.js';
export type { LinkStats } from './link-stats.js';
export { isLinkPort, type LinkPort } from './port.js';
