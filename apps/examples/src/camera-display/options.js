// @ts-check
// The camera-to-display demo's command line: one table the parser (node:util
// parseArgs), --help and the checks are made from. Plain JavaScript with no
// imports but node's, so `bash scripts/demo.sh` answers --help, --version and
// refuses bad options before it sets anything up (a fresh clone is not built).
import { parseArgs } from 'node:util';

/**
 * What the camera-to-display demo is asked to do.
 * @typedef {object} DemoOptions
 * @property {number} frames Frames to show; 0 runs until Ctrl-C.
 * @property {number} width
 * @property {number} height
 * @property {string} [camera] V4L2 capture node (default: the first that can capture).
 * @property {string} [card] DRM card (default: the first with a connected display).
 * @property {string} [connector] Connector name, e.g. 'HDMI-A-2' (default: the first connected).
 * @property {string} [mode] Display mode 'WxH' or 'WxH@Hz' (default: keep the current one; the picture is placed by a plane).
 * @property {boolean} list Print cameras and displays, and exit.
 * @property {number} [fps] Camera frame rate (default: the fastest the camera offers at this size).
 * @property {string} [format] Camera pixel format, V4L2 fourcc (default: one the display scans out, XR24 first; else YUYV converted).
 * @property {number} buffers Camera buffers (display-allocated dumb buffers on the zero-copy path).
 * @property {boolean} copy Force the copy path (camera MMAP buffers copied into display buffers) — the baseline.
 * @property {boolean} noLab Never relaunch in the virtual lab, even without a camera or display here.
 * @property {boolean} lab Run in the virtual lab even with a camera and display here.
 * @property {boolean} checkDevices Only say whether this machine has a camera and a display (exit 0) or what it lacks (exit 3).
 * @property {boolean} json Print the result as one JSON line.
 */

/**
 * One option: how it parses and what --help says of it.
 * @typedef {{ type: 'string' | 'boolean', short?: string, value?: string, default?: string, description: string }} DemoOption
 */

/** @type {Record<string, DemoOption>} */
export const DEMO_OPTIONS = {
  frames: { type: 'string', value: 'N', default: '120', description: 'frames to show (0 = until Ctrl-C)' },
  size: {
    type: 'string',
    value: 'WxH',
    default: '640x480',
    description:
      "capture size; the display keeps its mode and a plane places the picture: scaled to fit, else centred, else (announced) a mode of the picture's size",
  },
  camera: {
    type: 'string',
    value: '/dev/videoN',
    description: 'the V4L2 camera (default: the first that can capture)',
  },
  card: {
    type: 'string',
    value: '/dev/dri/cardN',
    description: 'the DRM device of the display (default: the first with a connected display)',
  },
  connector: {
    type: 'string',
    value: 'NAME',
    description: 'the display connector, e.g. HDMI-A-2 (default: the first connected)',
  },
  mode: {
    type: 'string',
    value: 'WxH[@Hz]',
    description: 'set this display mode instead of keeping the current one',
  },
  buffers: {
    type: 'string',
    value: 'N',
    default: '4',
    description: 'camera buffers, 2..32 (display-allocated scanout buffers on the zero-copy path)',
  },
  fps: {
    type: 'string',
    value: 'N',
    description: 'camera frame rate (default: the fastest it offers at this size)',
  },
  format: {
    type: 'string',
    value: 'FOURCC',
    description:
      'camera pixel format (default: one a display plane scans out, XR24 first: zero-copy; else YUYV, UYVY, NV12 or YU12 converted to XR24 in native code)',
  },
  copy: {
    type: 'boolean',
    description: 'force the copy path (the baseline the zero-copy path is measured against)',
  },
  list: {
    type: 'boolean',
    description:
      'print the cameras (formats, sizes, rates) and displays (connectors, modes, planes), and exit',
  },
  lab: {
    type: 'boolean',
    description:
      'run in the virtual lab (vivid camera → virtio-gpu display) even with a camera and display here',
  },
  'no-lab': {
    type: 'boolean',
    description:
      'never run in the virtual lab: exit 1 naming what is missing when no camera or display is here',
  },
  'check-devices': {
    type: 'boolean',
    description:
      'only say whether this machine has a camera and a display (exit 0) or what it lacks (exit 3)',
  },
  json: { type: 'boolean', description: 'print the result as one JSON line' },
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
  version: { type: 'boolean', description: 'print the version and exit' },
};

/**
 * The --help text, every option from DEMO_OPTIONS with its placeholder and default.
 * @param {string} [command] how the user runs the demo
 * @returns {string}
 */
export function demoUsage(command = 'node dist/camera-to-display.js') {
  const rows = Object.entries(DEMO_OPTIONS).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`,
    `${o.description}${o.default !== undefined ? ` (default ${o.default})` : ''}`,
  ]);
  const width = Math.max(...rows.map(([l]) => /** @type {string} */ (l).length));
  return [
    "camera-to-display: a V4L2 camera writes straight into the display's scanout buffers",
    '',
    `Usage: ${command} [options]`,
    '',
    'Without a camera or a display here it says which is missing and runs in the virtual lab.',
    '',
    'Options:',
    ...rows.map(([l, r]) => `  ${/** @type {string} */ (l).padEnd(width)}  ${r}`),
    '',
    'Exit codes: 0 done, 1 a failure, 2 bad usage (an unknown option or a bad value), 3 see --check-devices.',
  ].join('\n');
}

export const USAGE = demoUsage();

const PARSE_OPTIONS = Object.fromEntries(
  Object.entries(DEMO_OPTIONS).map(([name, o]) => [
    name,
    {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      default: o.default ?? (o.type === 'boolean' ? false : undefined),
    },
  ]),
);

/**
 * The command line as given: --help and --version asked, or the options
 * (every value checked). Throws an Error naming the bad flag (a usage error).
 * @param {readonly string[]} argv
 * @returns {{ help: true } | { version: true } | { options: DemoOptions }}
 */
export function readDemoCommandLine(argv) {
  const { values } = parseArgs({
    args: [...argv],
    options: /** @type {import('node:util').ParseArgsConfig['options']} */ (PARSE_OPTIONS),
    strict: true,
  });
  const v = /** @type {Record<string, string | boolean | undefined>} */ (values);
  if (v.help) return { help: true };
  if (v.version) return { version: true };
  return { options: checkValues(v) };
}

/**
 * Parse argv into options (--help and --version are not options here: see readDemoCommandLine); throws an Error naming the bad flag.
 * @param {readonly string[]} argv
 * @returns {DemoOptions}
 */
export function parseDemoOptions(argv) {
  const r = readDemoCommandLine(argv);
  if (!('options' in r)) throw new Error(`${'help' in r ? '--help' : '--version'} is answered, not run`);
  return r.options;
}

/** @param {Record<string, string | boolean | undefined>} values @returns {DemoOptions} */
function checkValues(values) {
  const text = (/** @type {string} */ name) => /** @type {string | undefined} */ (values[name]);
  const flag = (/** @type {string} */ name) => values[name] === true;
  if (flag('lab') && flag('no-lab')) throw new Error('--lab and --no-lab contradict each other: choose one');
  const frames = Number(text('frames'));
  if (!Number.isInteger(frames) || frames < 0)
    throw new Error(`--frames wants a whole number ≥ 0, got '${text('frames')}'`);
  const size = /^(\d+)x(\d+)$/.exec(text('size') ?? '');
  if (!size) throw new Error(`--size wants WIDTHxHEIGHT (e.g. 640x480), got '${text('size')}'`);
  const buffers = Number(text('buffers'));
  if (!Number.isInteger(buffers) || buffers < 2 || buffers > 32)
    throw new Error(
      `--buffers wants 2..32 (one on screen, one being flipped, the rest with the camera), got '${text('buffers')}'`,
    );
  const fps = text('fps') === undefined ? undefined : Number(text('fps'));
  if (fps !== undefined && !(fps > 0 && fps <= 1000))
    throw new Error(`--fps wants a rate in 0..1000, got '${text('fps')}'`);
  const format = text('format');
  if (format !== undefined && !/^[A-Z0-9 ]{4}$/.test(format))
    throw new Error(`--format wants a V4L2 fourcc such as YUYV or XR24, got '${format}'`);
  const mode = text('mode');
  if (mode !== undefined && !/^\d+x\d+(@\d+(\.\d+)?)?$/.test(mode))
    throw new Error(`--mode wants WIDTHxHEIGHT or WIDTHxHEIGHT@HZ (e.g. 1280x720@60), got '${mode}'`);
  return {
    frames,
    fps,
    format,
    width: Number(size[1]),
    height: Number(size[2]),
    camera: text('camera'),
    card: text('card'),
    connector: text('connector'),
    mode,
    list: flag('list'),
    buffers,
    copy: flag('copy'),
    noLab: flag('no-lab'),
    lab: flag('lab'),
    checkDevices: flag('check-devices'),
    json: flag('json'),
  };
}
