/**
 * Camera to display, zero-copy: a V4L2 camera captures straight into scanout
 * buffers the display's DRM device allocated, and KMS page-flips to each
 * frame. No pixel passes through JavaScript. Without a camera or display on
 * this machine it says which is missing and relaunches itself in the virtual
 * lab (vivid → virtio-gpu), where it checks a screenshot of the result;
 * --lab forces the lab, --no-lab refuses it.
 *
 * Run: node dist/camera-to-display.js [--frames N] [--size WxH] [--connector NAME] [--mode WxH] [--list] [--lab | --no-lab] (see --help)
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DmaBufError } from '@dmabuf/core';
import { inLab } from '@dmabuf/lab/guest';
import { missingDevices } from './camera-display/devices.js';
import { relayToLab } from './camera-display/lab-relay.js';
import { listCameras, listDisplays } from './camera-display/list.js';
import { type DemoOptions, readDemoCommandLine, USAGE } from './camera-display/options.js';
import { type PipelineResult, runPipeline } from './camera-display/pipeline.js';
import { placeDemo } from './camera-display/placement.js';
import { checkScreen } from './camera-display/screen-check.js';
import { versionLine } from './command-line.js';

export { type PipelineResult, runPipeline };

/** Run the demo here; in the lab, also check the screen at the last frame. Exit code. */
export async function runDemo(
  options: DemoOptions,
  print: (line: string) => void = console.log,
): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let screen: Awaited<ReturnType<typeof checkScreen>> | undefined;
  const checkAt = options.frames > 0 ? options.frames : -1;
  try {
    const result = await runPipeline({
      ...options,
      signal: stop.signal,
      log: (line) => print(`camera-to-display: ${line}`),
      onShown: async (shown, frame) => {
        if (shown % 30 === 0 || !frame)
          print(`camera-to-display: frame ${shown}${frame ? ` (camera sequence ${frame.sequence})` : ''}`);
        if (shown === checkAt && inLab())
          screen = await checkScreen(`camera-to-display-${options.copy ? 'copy' : 'zero-copy'}`);
      },
    });
    print(summary(result));
    if (screen) {
      print(
        screen.ok
          ? `camera-to-display: screen check OK: the display shows the camera's colour bars (${screen.png})`
          : `camera-to-display: screen check FAILED (${screen.png}): ${screen.problems.join('; ')}`,
      );
    }
    if (options.json) print(JSON.stringify({ ...result, screenCheck: screen?.ok ?? null }));
    return screen && !screen.ok ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function summary(r: PipelineResult): string {
  const copied =
    r.copiedBytesPerFrame > 0
      ? `${(r.copiedBytesPerFrame / 1024).toFixed(0)} KiB copied per frame`
      : 'no bytes copied';
  return (
    `camera-to-display: ${r.path}${r.copyReason ? ` (${r.copyReason})` : ''}: ${r.frames} frames ${r.format} in mode ${r.mode} (${r.placement}) in ${r.seconds} s, ` +
    `${r.fps} fps, CPU ${r.cpuMsPerFrame} ms/frame, ${copied}, ${r.skipped} camera frames skipped`
  );
}

async function main(argv: string[]): Promise<number> {
  let options: DemoOptions;
  try {
    const asked = readDemoCommandLine(argv);
    if ('help' in asked) {
      console.log(USAGE);
      return 0;
    }
    if ('version' in asked) {
      console.log(versionLine('camera-to-display'));
      return 0;
    }
    options = asked.options;
  } catch (e) {
    console.error(
      `camera-to-display: ${(e as Error).message}\nRun 'node dist/camera-to-display.js --help' for usage.`,
    );
    return 2;
  }
  if (inLab()) return await runHere(options);
  const place = placeDemo(options, missingDevices(options));
  switch (place.where) {
    case 'check':
      console.log(place.say);
      return place.exitCode;
    case 'refuse':
      console.error(place.error);
      return 1;
    case 'lab':
      console.log(place.say);
      return relayToLab(
        fileURLToPath(import.meta.url),
        argv.filter((a) => a !== '--lab'),
      );
    case 'here':
      console.log(place.say);
      return await runHere(options);
  }
}

async function runHere(options: DemoOptions): Promise<number> {
  if (options.list) {
    for (const line of [...listCameras(), ...listDisplays()]) console.log(line);
    return 0;
  }
  try {
    return await runDemo(options);
  } catch (e) {
    if (e instanceof DmaBufError) {
      console.error(
        `camera-to-display: ${e.name} (${e.code}): ${e.message}${e.hint && !e.message.includes(e.hint) ? `\n  what to do: ${e.hint}` : ''}`,
      );
      return 1;
    }
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
