/**
 * Memory-to-memory pipelines, zero copy between devices:
 *  - encode: camera → vim2m (RGB24 → YUYV) → vicodec's FWHT encoder → a file,
 *    printing the byte and frame counts;
 *  - vkms: camera → vim2m (RGB565) → a vkms overlay plane taking RG16, the
 *    composed picture read back through the writeback connector and checked
 *    for the colour bars.
 * Needs vivid, vim2m, vicodec (and vkms): run it in the lab,
 * `npx dmabuf-lab run --drivers vivid,vim2m,vicodec,vkms -- node dist/camera-m2m.js`.
 *
 * Run: node dist/camera-m2m.js [encode|vkms] [--frames N] [--out FILE]
 */
import { pathToFileURL } from 'node:url';
import { encodeToFile } from './camera-m2m/encode-to-file.js';
import { cameraToVkms } from './camera-m2m/to-vkms.js';
import { type CommandHelp, parseCommand } from './command-line.js';

export { cameraToVkms, encodeToFile };

/** camera-m2m's command line. */
export const CAMERA_M2M: CommandHelp = {
  name: 'camera-m2m',
  summary:
    'encode (default): camera → vim2m → vicodec FWHT encoder → a file; vkms: camera → vim2m → a vkms overlay, read back by writeback.',
  positionals: '[encode|vkms]',
  options: {
    frames: { type: 'string', value: 'N', default: '30', description: 'frames to run' },
    out: {
      type: 'string',
      value: 'FILE',
      default: '/tmp/camera.fwht',
      description: 'where encode writes the FWHT stream',
    },
  },
};

async function main(argv: string[]): Promise<number> {
  const args = parseCommand(CAMERA_M2M, argv);
  if ('exit' in args) return args.exit;
  const mode = args.positionals[0] ?? 'encode';
  const frames = Number(args.values.frames);
  if (
    (mode !== 'encode' && mode !== 'vkms') ||
    args.positionals.length > 1 ||
    !(Number.isInteger(frames) && frames > 0)
  ) {
    console.error(
      `camera-m2m: wants [encode|vkms] and --frames N ≥ 1, got '${argv.join(' ')}'\nRun 'node dist/camera-m2m.js --help' for usage.`,
    );
    return 2;
  }
  const log = (line: string) => console.log(`camera-m2m: ${line}`);
  if (mode === 'encode') {
    const out = args.values.out as string;
    const r = await encodeToFile({ frames, out, log });
    log(`${r.frames} frames, ${r.bytes} bytes of FWHT in ${out}`);
    return r.frames === frames ? 0 : 1;
  }
  const r = await cameraToVkms({ frames, log });
  const ok = r.bars.every((row) => row.every((v, i) => v === r.expected[i]));
  log(
    `${r.frames} frames on the vkms overlay; colour bars read back by writeback ${ok ? 'as expected' : 'WRONG'}`,
  );
  return ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
