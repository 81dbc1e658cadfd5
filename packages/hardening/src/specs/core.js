import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferChannel, ExporterRegistry, Framework, plainDevice } from '@dmabuf/core';
import { MemfdExporter, memfdExporterPlugin } from '@dmabuf/core/testing';
import { ERROR_CLASS, FACTORY, LOOKUP, PREDICATE } from './reasons.js';

/**
 * How the corpus treats each export of @dmabuf/core. `{}`: called (or constructed) with generated
 * arguments; `make`: also how to get an instance whose methods are called; `skip`: why not.
 * @typedef {import('../engine.js').Spec} Spec
 */

const ASSERT = {
  named: "a check for plugin authors: the name it reports is its first argument, the caller's label",
  lenient: "only its value argument is checked; the name and bounds are the caller's",
};
const TSYRINGE = "tsyringe's decorator factory, re-exported as is: its argument checks are tsyringe's";

const memfdPlugin = () => memfdExporterPlugin();

/** A fresh framework and buffer chain for method calls (each made afresh per method). */
async function framework() {
  return Framework.create({ plugins: [memfdPlugin()] });
}

/** @type {Spec} */
export const core = {
  entry: '@dmabuf/core',
  async setup() {
    const dir = await mkdtemp(join(tmpdir(), 'corpus-'));
    return { fws: /** @type {Framework[]} */ ([]), peers: /** @type {any[]} */ ([]), dir, n: 0 };
  },
  async teardown(ctx) {
    for (const p of ctx.peers) p.close();
    await rm(ctx.dir, { recursive: true, force: true });
    for (const fw of ctx.fws) await fw.close().catch(() => undefined);
  },
  exports: {
    // classes whose instances the corpus makes: their methods and getters are called with junk
    Framework: { make: framework },
    DmaBuf: {
      async make(ctx) {
        const fw = await framework();
        ctx.fws.push(fw);
        return fw.export({ size: 8192 });
      },
    },
    Attachment: {
      async make(ctx) {
        const fw = await framework();
        ctx.fws.push(fw);
        return fw.export({ size: 8192 }).attach(plainDevice('corpus'));
      },
    },
    DeviceMapping: {
      async make(ctx) {
        const fw = await framework();
        ctx.fws.push(fw);
        return fw.export({ size: 8192 }).attach(plainDevice('corpus')).map('bidirectional');
      },
    },
    CpuMapping: {
      async make(ctx) {
        const fw = await framework();
        ctx.fws.push(fw);
        return fw.export({ size: 8192 }).mmap({ writable: true });
      },
    },
    CpuAccess: {
      async make(ctx) {
        const fw = await framework();
        ctx.fws.push(fw);
        return fw.export({ size: 8192 }).cpuAccess('write');
      },
    },
    ExporterRegistry: { make: () => new ExporterRegistry([new MemfdExporter()]), aliases: ['exporter'] },
    ChannelPeer: {
      async make(ctx) {
        const fw = await framework();
        ctx.fws.push(fw);
        const [a, b] = BufferChannel.pair({ framework: fw });
        ctx.peers.push(b);
        return a;
      },
    },
    ChannelServer: {
      async make(ctx) {
        const fw = await framework();
        ctx.fws.push(fw);
        return BufferChannel.listen(join(ctx.dir, `s${ctx.n++}`), { framework: fw });
      },
    },
    SyncFile: {
      noInstance:
        'a sync_file needs a fence-making driver (vgem in the lab: exporter-drm fences.lab.test.ts)',
    },
    // error classes: constructing one with junk must not throw something else
    DmaBufError: ERROR_CLASS,
    InvalidArgumentError: ERROR_CLASS,
    LifecycleError: ERROR_CLASS,
    NativeLoadError: ERROR_CLASS,
    NegotiationError: ERROR_CLASS,
    NotADmaBufError: ERROR_CLASS,
    PeerRefusedError: ERROR_CLASS,
    PixelFormatError: ERROR_CLASS,
    PluginError: ERROR_CLASS,
    ReleasedError: ERROR_CLASS,
    LinkHeldError: ERROR_CLASS,
    SystemError: ERROR_CLASS,
    // links: constructed with junk ports and options (a real link needs a device: interop link.lab.test.ts)
    Link: {
      noInstance:
        'a running link needs a port that waits on a device (V4L2, DRM): interop link.lab.test.ts; its constructor is called with junk',
    },
    // objects of functions (their functions are called)
    BufferChannel: {},
    CountingExporter: {
      skip: 'an abstract base class for exporters: the framework calls its hooks with checked arguments (run through udmabuf and dma-heap, and core test counting-exporter.test.ts)',
    },
    foreignExporter: {
      skip: 'an exporter plugin object: the framework calls its hooks with checked arguments (fw.get(fd, layout) is fuzzed)',
    },
    // constants
    CONVERT_FORMATS: {},
    CPU_ACCESS_MODES: {},
    DMA_BUF_NAME_MAX: {},
    ERRNO: {},
    FOURCC_BIG_ENDIAN: {},
    LAYOUT_FORMATS: {},
    MAP_DIRECTIONS: {},
    MAX_MESSAGE_BYTES: {},
    MOD_INVALID: {},
    MOD_LINEAR: {},
    PAGE_SIZE: {},
    PIXEL_FORMATS: {},
    POLL_EVENTS: {},
    SEEK_CUR: {},
    SEEK_END: {},
    SEEK_SET: {},
    TOKENS: {},
    // functions
    abortError: FACTORY,
    assertNotHeld: {},
    countingSink: {},
    cyclingSource: {},
    holderOf: LOOKUP,
    isLinkPort: PREDICATE,
    assertFd: ASSERT,
    assertFdInfo: ASSERT,
    assertLayout: ASSERT,
    assertKnownKeys: ASSERT,
    assertObject: ASSERT,
    assertOneOf: ASSERT,
    assertPositive: ASSERT,
    assertString: ASSERT,
    assertUint: ASSERT,
    checkExporterWanted: {},
    checkLayout: {},
    chooseModifier: {},
    closeFd: {},
    computeLayout: {},
    convertLayout: {},
    convertToXrgb: {},
    convertToXrgbAsync: {},
    createMemfd: { returnsFd: true },
    debugLog: {},
    derivedPitches: {},
    drmFourccOfV4l2: LOOKUP,
    dupFd: { returnsFd: true },
    errnoName: LOOKUP,
    errnoValue: LOOKUP,
    exportSyncFile: {},
    exporterPlugin: {},
    fdIdentity: {},
    fdSize: {},
    fourccChars: {},
    fourccCode: { aliases: ['format'] },
    imagePlanes: {},
    importSyncFile: {},
    invalidArgument: FACTORY,
    isBigEndianFourcc: PREDICATE,
    isCloexec: PREDICATE,
    isMemfd: PREDICATE,
    isPageAligned: PREDICATE,
    linearLayout: {},
    liveMappings: {},
    memfdSeals: {},
    mergeConstraints: {},
    mmapFd: {},
    modifierList: {},
    modifierName: {},
    munmapBuffer: {},
    openFdCount: {},
    pitchRatio: {},
    pixelFormat: LOOKUP,
    pixelFormatNames: {},
    plainDevice: {},
    planeRowBytes: {},
    planeRows: {},
    pollFd: {},
    readFdInfo: {},
    requirePixelFormat: {},
    sealMemfd: {},
    seekFd: {},
    setDmaBufName: {},
    statFd: {},
    syncDmaBuf: {},
    timeoutError: FACTORY,
    trimFourcc: {},
    v4l2Format: LOOKUP,
    v4l2FourccsOf: LOOKUP,
    waitIdle: {},
    inject: { skip: TSYRINGE },
    injectAll: { skip: TSYRINGE },
    injectable: { skip: TSYRINGE },
    singleton: { skip: TSYRINGE },
  },
};
