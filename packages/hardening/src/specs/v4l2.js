import { V4l2Device, V4l2Exporter } from '@dmabuf/importer-v4l2';
import { ERROR_CLASS, LOOKUP } from './reasons.js';

/** @typedef {import('../engine.js').Spec} Spec */

const MADE_BY =
  'made by the library on an open device (queue(), frames, slots): the V4L2 lab suites call its methods';

/** @type {Spec} */
export const v4l2 = {
  entry: '@dmabuf/importer-v4l2',
  exports: {
    BUF_CAP: {},
    BUF_FLAG: {},
    BUF_TYPE: {},
    CTRL_TYPE: {},
    DEVICE_CAPABILITIES: {},
    DeviceBufferView: { noInstance: MADE_BY },
    DeviceLostError: ERROR_CLASS,
    M2mDecoder: {
      noInstance: 'needs a stateful decoder (vicodec in the lab: interop and importer-v4l2 m2m lab suites)',
    },
    FormatError: ERROR_CLASS,
    MBUS_CODES: {},
    MEMORY: {},
    MediaDevice: { noInstance: 'needs a media controller (vimc in the lab: importer-v4l2 media lab suite)' },
    QUEUE_KINDS: {},
    StreamError: ERROR_CLASS,
    V4L2_EXP_NAMES: {},
    // a capture device (lab: vivid); off the lab find() refuses (ENOENT, typed) and its methods are not called
    V4l2Device: { make: () => V4l2Device.find({ queue: 'capture' }), aliases: ['queue', 'name'] },
    // its hooks called directly (the framework calls them with checked arguments; a caller that
    // reaches them gets typed refusals too); it opens nothing of its own: EXPBUF runs on the queue
    // a request names
    V4l2Exporter: { make: () => new V4l2Exporter() },
    V4l2Frame: { noInstance: MADE_BY },
    V4l2M2mDevice: {
      noInstance: 'needs a memory-to-memory driver (vim2m/vicodec in the lab: importer-v4l2 m2m lab suites)',
    },
    V4l2Queue: { noInstance: MADE_BY },
    V4l2Slot: { noInstance: MADE_BY },
    V4l2Subdev: { noInstance: 'needs a subdevice node (vimc in the lab: importer-v4l2 media lab suite)' },
    codedChunks: {},
    colourPlanes: {},
    copyFrameBytes: {},
    controlKey: {},
    decodeBufferCapabilities: {},
    decodeCapabilities: {},
    describeFormat: {},
    drmFormatOf: LOOKUP,
    feedFrames: {},
    formatConstraints: {},
    fourcc: { aliases: ['pixelformat'] },
    fourccName: {},
    layoutPlanes: {},
    mbusName: {},
    mediaNodes: {},
    pixelFormatInfo: LOOKUP,
    planeConstraints: {},
    v4l2ExporterPlugin: {},
    v4l2FormatsOf: LOOKUP,
    videoNodes: {},
  },
};
