import { parseArgs } from 'node:util';

/** What the camera-to-display demo is asked to do. */
export interface DemoOptions {
  /** Frames to show; 0 runs until Ctrl-C. */
  frames: number;
  width: number;
  height: number;
  /** V4L2 capture node (default: the first that can capture). */
  camera?: string;
  /** DRM card (default: the first with a connected display). */
  card?: string;
  /** Connector name, e.g. 'HDMI-A-2' (default: the first connected). */
  connector?: string;
  /** Display mode 'WxH' or 'WxH@Hz' (default: keep the current one; the picture is placed by a plane). */
  mode?: string;
  /** Print cameras and displays, and exit. */
  list: boolean;
  /** Camera frame rate (default: the fastest the camera offers at this size). */
  fps?: number;
  /** Camera pixel format, V4L2 fourcc (default: one the display scans out, XR24 first; else YUYV converted). */
  format?: string;
  /** Camera buffers (display-allocated dumb buffers on the zero-copy path). */
  buffers: number;
  /** Force the copy path (camera MMAP buffers copied into display buffers) — the baseline. */
  copy: boolean;
  /** Never relaunch in the virtual lab, even without a camera or display here. */
  noLab: boolean;
  /** Run in the virtual lab even with a camera and display here. */
  lab: boolean;
  /** Only say whether this machine has a camera and a display (exit 0) or what it lacks (exit 3). */
  checkDevices: boolean;
  /** Print the result as one JSON line. */
  json: boolean;
}

export const USAGE = `camera-to-display: a V4L2 camera writes straight into the display's scanout buffers

  node dist/camera-to-display.js [--frames N] [--size WxH] [--camera /dev/videoN]
                                 [--card /dev/dri/cardN] [--connector NAME] [--mode WxH[@Hz]]
                                 [--buffers N] [--fps N] [--format FOURCC] [--copy] [--lab | --no-lab] [--json]
  node dist/camera-to-display.js --list
  node dist/camera-to-display.js --check-devices

  --frames N     frames to show (default 120; 0 = until Ctrl-C)
  --size WxH     capture size (default 640x480); the display keeps its mode and a plane places the
                 picture: scaled to fit, else centred, else (announced) a mode of the picture's size
  --connector C  the display connector, e.g. HDMI-A-2 (default: the first connected)
  --mode WxH[@Hz] set this display mode instead of keeping the current one
  --list         print the cameras (formats, sizes, rates) and displays (connectors, modes, planes)
  --fps N        camera frame rate (default: the fastest it offers at this size)
  --format CC    camera pixel format (default: one a display plane scans out, XR24 first: zero-copy;
                 else YUYV, UYVY, NV12 or YU12 converted to XR24 in native code)
  --copy         force the copy path (the baseline the zero-copy path is measured against)
  --lab          run in the virtual lab (vivid camera → virtio-gpu display) even with a camera and display here
  --no-lab       never run in the virtual lab: exit 1 naming what is missing when no camera or display is here
  --check-devices  only say whether this machine has a camera and a display (exit 0) or what it lacks (exit 3)
  --help, -h     show this help and exit
  --version      print the version and exit

Exit codes: 0 done, 1 a failure, 2 bad usage (an unknown option or a bad value), 3 see --check-devices.`;

/** Parse argv into options; throws an Error naming the bad flag. */
export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      frames: { type: 'string', default: '120' },
      size: { type: 'string', default: '640x480' },
      camera: { type: 'string' },
      card: { type: 'string' },
      connector: { type: 'string' },
      mode: { type: 'string' },
      list: { type: 'boolean', default: false },
      buffers: { type: 'string', default: '4' },
      fps: { type: 'string' },
      format: { type: 'string' },
      copy: { type: 'boolean', default: false },
      'no-lab': { type: 'boolean', default: false },
      lab: { type: 'boolean', default: false },
      'check-devices': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.lab && values['no-lab']) throw new Error('--lab and --no-lab contradict each other: choose one');
  const frames = Number(values.frames);
  if (!Number.isInteger(frames) || frames < 0)
    throw new Error(`--frames wants a whole number ≥ 0, got '${values.frames}'`);
  const size = /^(\d+)x(\d+)$/.exec(values.size);
  if (!size) throw new Error(`--size wants WIDTHxHEIGHT (e.g. 640x480), got '${values.size}'`);
  const buffers = Number(values.buffers);
  if (!Number.isInteger(buffers) || buffers < 2 || buffers > 32)
    throw new Error(
      `--buffers wants 2..32 (one on screen, one being flipped, the rest with the camera), got '${values.buffers}'`,
    );
  const fps = values.fps === undefined ? undefined : Number(values.fps);
  if (fps !== undefined && !(fps > 0 && fps <= 1000))
    throw new Error(`--fps wants a rate in 0..1000, got '${values.fps}'`);
  if (values.format !== undefined && !/^[A-Z0-9 ]{4}$/.test(values.format))
    throw new Error(`--format wants a V4L2 fourcc such as YUYV or XR24, got '${values.format}'`);
  if (values.mode !== undefined && !/^\d+x\d+(@\d+(\.\d+)?)?$/.test(values.mode))
    throw new Error(`--mode wants WIDTHxHEIGHT or WIDTHxHEIGHT@HZ (e.g. 1280x720@60), got '${values.mode}'`);
  return {
    frames,
    fps,
    format: values.format,
    width: Number(size[1]),
    height: Number(size[2]),
    camera: values.camera,
    card: values.card,
    connector: values.connector,
    mode: values.mode,
    list: values.list,
    buffers,
    copy: values.copy,
    noLab: values['no-lab'],
    lab: values.lab,
    checkDevices: values['check-devices'],
    json: values.json,
  };
}
