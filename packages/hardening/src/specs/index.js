import { cli } from './cli.js';
import { core } from './core.js';
import { coreContract, coreDriver, corePlugin, coreTesting } from './core-entries.js';
import { drm } from './drm.js';
import { heap } from './heap.js';
import { lab, labGuest, labSuite } from './lab.js';
import { udmabuf } from './udmabuf.js';
import { v4l2 } from './v4l2.js';

/** Every published entry point the corpus covers, by specifier. */
export const specs = Object.fromEntries(
  [
    core,
    corePlugin,
    coreDriver,
    coreTesting,
    coreContract,
    udmabuf,
    heap,
    drm,
    v4l2,
    lab,
    labGuest,
    labSuite,
    cli,
  ].map((s) => [s.entry, s]),
);

/** Entries whose findings are being fixed (not in the run yet): none. */
/** @type {Record<string, import('../engine.js').Spec>} */
export const pending = {};
