import { Display, DrmDumbExporter, DrmImporter, findDrmDevice, GemHandleTable } from '@dmabuf/exporter-drm';
import { ERROR_CLASS, LOOKUP } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

const MADE_BY =
  'made by the library on a real device (createFramebuffer, importBuffer, VgemFence.attach): the DRM lab suites call its methods';

/**
 * One device with dumb buffers and PRIME export (lab: vgem) for the exporter and importer made
 * for their methods, opened at the first and closed at the end; off the lab findDrmDevice refuses
 * (ENOENT, typed) and their methods are not called.
 * @param {{ device?: import('@dmabuf/exporter-drm').DrmDevice }} ctx
 */
const dumbDevice = (ctx) => {
  ctx.device ??= findDrmDevice({ dumbBuffers: true, primeExport: true });
  return ctx.device;
};

/** @type {Spec} */
export const drm = {
  entry: '@dmabuf/exporter-drm',
  setup: async () => ({}),
  teardown: (ctx) => {
    ctx.device?.close();
  },
  exports: {
    // a display (lab: virtio-gpu); off the lab findDrmDevice refuses (ENOENT, typed) and its methods are not called
    Display: { make: () => Display.open(findDrmDevice({ kms: true })) },
    DrmDevice: { make: () => findDrmDevice() },
    // their hooks called directly (the framework calls them with checked arguments; a caller that
    // reaches them gets typed refusals too): in the lab allocate makes real dumb buffers
    DrmDumbExporter: { make: (ctx) => new DrmDumbExporter({ device: dumbDevice(ctx) }) },
    DrmError: ERROR_CLASS,
    DrmImporter: { make: (ctx) => new DrmImporter(dumbDevice(ctx)) },
    Framebuffer: { noInstance: MADE_BY },
    GemHandleTable: { make: () => new GemHandleTable(() => undefined) },
    GemImport: { noInstance: MADE_BY },
    DrmDeviceLostError: ERROR_CLASS,
    ImportRefusedError: ERROR_CLASS,
    NoDisplayError: ERROR_CLASS,
    UnsupportedFormatError: ERROR_CLASS,
    VgemFence: { noInstance: MADE_BY },
    Writeback: {
      noInstance:
        'needs a writeback connector (vkms in the lab: placement-vkms.lab.test.ts calls its methods)',
    },
    assignPlanes: {},
    layerRects: { aliases: ['layers'] },
    centredRect: {},
    chooseMode: { aliases: ['mode'] },
    choosePipe: {},
    choosePlacement: {},
    connectorName: {},
    createFramebuffer: {},
    describeMode: {},
    describePlacement: {},
    describeRefusals: {},
    drmExporterPlugin: {},
    drmImporter: {},
    drmNodes: {},
    findDrmDevice: {},
    fitRect: {},
    formatInfo: LOOKUP,
    fourccCode: { aliases: ['format'] },
    fourccName: {},
    importBuffer: {},
    initialMode: { aliases: ['mode'] },
    knownFormats: {},
    layoutOf: {},
    legacyRule: {},
    listDrmDevices: {},
    modesOfSize: {},
    nodeTypeOf: {},
    parseInFormats: {},
    parseModeRequest: { aliases: ['mode'] },
    placementCandidates: {},
    planDumb: {},
    planeGeometry: {},
    planeModifiers: {},
    planeProperties: {},
    planesFor: {},
    readKms: {},
    refreshOf: {},
    requirePlanes: {},
    unmetNeeds: {},
  },
};
