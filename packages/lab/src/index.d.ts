import type { RgbImage } from '../guest/index.js';

export type { RgbImage };

/** What `provision()` leaves in the cache (also written as provisioned.json). */
export interface LabStamp {
  kernelVersion: string;
  kernelPackage: string | null;
  vmlinuz: string;
  modRoot: string;
  initramfs: string;
  initHash: string;
  cache: string;
  provisionedAt: string;
}

/** An error of the lab itself: boot failure, timeout, missing driver or kernel, bad usage. */
export class LabError extends Error {
  /** 'ENOKERNEL' | 'ETIMEDOUT' | 'ENODEV' | 'EBOOT' | 'EPANIC' | 'EUSAGE' | 'ENOCONFIG' | 'ENOVITEST' | 'ELAB' */
  code: string;
  /** Host path of the guest's kernel console, when a boot was involved. */
  consoleLog?: string;
  /** The exit code the CLI uses for it (124 timeout, 125 lab failure, 2 usage). */
  exitCode: number;
}

export function missingKernelError(missing: string[], detail?: string): LabError;

/** Install the host packages, fetch and unpack the newest 6.12 backports kernel, build the initramfs. Idempotent. */
export function provision(opts?: { force?: boolean; env?: NodeJS.ProcessEnv }): Promise<LabStamp>;
/** The stamp when the cache is intact, else null. */
export function readStamp(cache?: string): LabStamp | null;
/** $DMABUF_LAB_CACHE, else ~/.cache/dmabuf-lab. */
export function cacheDir(env?: NodeJS.ProcessEnv): string;

export interface RunOptions {
  /** argv to run in the guest. */
  command: string[];
  /** Guest working directory: the same absolute path as on the host (default: process.cwd()). */
  cwd?: string;
  /** Extra environment; the command also gets DMABUF_LAB=1 and DMABUF_LAB_OUT. */
  env?: Record<string, string>;
  /** Modules to load (default vgem, vivid, virtio_gpu); udmabuf and the system heap are built in. */
  drivers?: string[];
  /** Hard limit for boot + command, seconds (default $DMABUF_LAB_TIMEOUT or 1200). */
  timeoutSec?: number;
  /** Host folder shared as DMABUF_LAB_OUT (default: a temp folder). */
  outDir?: string;
  /** Keep the run folder (console.log, out/) even on success. */
  keep?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Forwarded to the command's stdin (default: /dev/null). */
  stdin?: NodeJS.ReadableStream;
  /** Interactive: one tty (/dev/hvc0) for the command's stdio. */
  shell?: boolean;
  /** vivid module options (default $DMABUF_LAB_VIVID_OPTS). */
  vividOpts?: string;
  /** 2 MiB hugepages to reserve (default 32). */
  hugepages?: number;
  memoryMB?: number;
  smp?: number;
}

export interface RunResult {
  exitCode: number;
  runDir: string;
  outDir: string;
  accel: 'kvm' | 'tcg';
  totalMs: number;
  /** Guest uptime (ms) when the command started. */
  bootMs: number;
}

export interface Screenshot extends RgbImage {
  path: string;
  ppmPath: string;
}

export interface LabHandle {
  /** Settles when the guest has powered off. */
  result: Promise<RunResult>;
  /** Dump the virtual display now (QMP screendump → PPM → PNG). */
  screendump(pngPath: string): Promise<Screenshot>;
  /** Power the guest off hard. */
  kill(): void;
}

/** Boot the lab, run one command, resolve with its exit code (rejects with LabError on lab failures). */
export function runInLab(opts: RunOptions): Promise<RunResult>;
/** 'RESULT ': the prefix of the JSON line runForResult() looks for. */
export const RESULT_PREFIX: string;
/**
 * Run a command in the lab (a benchmark's guest side), stream its output, and
 * return the JSON of its `RESULT {...}` line; LabError on a non-zero exit or
 * no such line.
 */
export function runForResult(opts: RunOptions): Promise<unknown>;
/** Same, with a handle to take screendumps from the host while the command runs. */
export function startLab(opts: RunOptions): LabHandle;
/** Last lines of a console log. */
export function consoleTail(path: string, n?: number): string;
/** QMP screendump through a lab's qmp.sock, to a PNG (and the PPM beside it). */
export function screendumpVia(qmpSocket: string, pngPath: string): Promise<Screenshot>;
export function encodePng(img: RgbImage): Buffer;
export function parsePpm(buf: Buffer): RgbImage;
export function readPpm(path: string): RgbImage;
export function pixelAt(img: RgbImage, x: number, y: number): [number, number, number];
