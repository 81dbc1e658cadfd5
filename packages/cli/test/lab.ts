import { type ChildProcess, spawn } from 'node:child_process';
import { inLab } from '@dmabuf/lab/guest';
import { describe, it } from 'vitest';
import { type Io, main } from '../src/index.js';

export const NOT_IN_LAB =
  'needs the lab kernel (udmabuf, vivid, vgem, virtio-gpu): run `pnpm test:lab` (dmabuf-lab vitest)';

/** Define the suite in the lab; outside it, one test that says why it was skipped. */
export function labSuite(name: string, define: () => void): void {
  if (inLab()) describe(name, define);
  else describe(name, () => it(`skipped: ${NOT_IN_LAB}`, (ctx) => ctx.skip(NOT_IN_LAB)));
}

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
export const BIN = new URL('../bin/dmabuf.js', import.meta.url).pathname;

export interface Holder extends AsyncDisposable {
  pid: number;
  inos: number[];
  child: ChildProcess;
}

/** Start a fixture process holding udmabufs ('fd' or 'map'); resolves once it says READY. */
export async function holdBuffers(
  mode: 'fd' | 'map',
  count: number,
  size: number,
  name: string,
  wrap: string[] = [],
): Promise<Holder> {
  const argv = [
    ...wrap,
    process.execPath,
    `${FIXTURES}hold-buffers.mjs`,
    mode,
    String(count),
    String(size),
    name,
  ];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = await new Promise<{ pid: number; inos: number[] }>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /READY (.*)\n/.exec(text);
      if (m) resolve(JSON.parse(m[1]!));
    });
    child.on('exit', (code) => reject(new Error(`hold-buffers exited with ${code} before READY: ${text}`)));
  });
  return {
    ...ready,
    child,
    async [Symbol.asyncDispose]() {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

/** Run the command in this process; its exit code and output. */
export async function dmabuf(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
