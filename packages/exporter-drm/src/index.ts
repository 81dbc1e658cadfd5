export { type DrmCaps, DrmDevice, type DrmDriverVersion, type DrmNodeType, nodeTypeOf } from './device.js';
export {
  DrmDumbExporter,
  type DumbExporterOptions,
  type DumbPlan,
  type DumbPriv,
  type DumbStats,
  layoutOf,
  planDumb,
} from './dumb-exporter.js';
export {
  type DrmDeviceInfo,
  type DrmDeviceNeeds,
  drmNodes,
  findDrmDevice,
  listDrmDevices,
  unmetNeeds,
} from './enumerate.js';
export {
  DrmDeviceLostError,
  DrmError,
  ImportRefusedError,
  NoDisplayError,
  UnsupportedFormatError,
} from './errors.js';
export type { DrmEvent, DrmEventQueue } from './event-queue.js';
export {
  type FormatInfo,
  formatInfo,
  fourccCode,
  fourccName,
  knownFormats,
  planeGeometry,
} from './fourcc.js';
export { GemHandleTable } from './handle-table.js';
export { DrmImporter, drmImporter, type GemHandle, GemImport, importBuffer } from './importer.js';
export type { Composition } from './kms/composition.js';
export { type Connection, connectorName } from './kms/connector-names.js';
export {
  Display,
  type DisplayOptions,
  type DisplayPlane,
  type FlipOptions,
  type FlipResult,
  type SubmittedFlip,
} from './kms/display.js';
export {
  type AcceptedFormats,
  createFramebuffer,
  Framebuffer,
  type FramebufferOptions,
} from './kms/framebuffer.js';
export { parseInFormats } from './kms/in-formats.js';
export {
  assignPlanes,
  type Layer,
  type LayerPlacement,
  layerRects,
  type PlaneStacking,
} from './kms/layers.js';
export {
  chooseMode,
  describeMode,
  initialMode,
  type ModeRequest,
  type ModeSize,
  parseModeRequest,
  refreshOf,
} from './kms/mode.js';
export { choosePipe, type KmsPipe } from './kms/pipe.js';
export {
  centredRect,
  choosePlacement,
  describePlacement,
  fitRect,
  legacyRule,
  modesOfSize,
  type Placement,
  type PlacementChoice,
  type PlacementKind,
  type PlacementPlane,
  placementCandidates,
  type Rect,
  type Refusal,
  type Size,
} from './kms/placement.js';
export {
  describeRefusals,
  type ModifiersOf,
  type PlaneNeeds,
  type PlaneRefusal,
  planesFor,
  requirePlanes,
} from './kms/plane-choice.js';
export { planeModifiers } from './kms/plane-modifiers.js';
export {
  type KmsConnector,
  type KmsCrtc,
  type KmsEncoder,
  type KmsPlane,
  type KmsSnapshot,
  type PlaneType,
  planeProperties,
  readKms,
} from './kms/snapshot.js';
export { Writeback, type WritebackResult, type WritebackSource } from './kms/writeback.js';
export type { DrmModeInfo } from './native.js';
export { type DrmExporterPluginOptions, drmExporterPlugin } from './plugin.js';
export { VgemFence } from './vgem-fence.js';
