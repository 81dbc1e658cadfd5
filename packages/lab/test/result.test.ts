import { afterEach, describe, expect, it, vi } from 'vitest';

// runForResult's own logic (tee, RESULT line, errors) with the boot replaced:
// the real boot is what every package's `pnpm bench` runs.
const fake = vi.hoisted(() => ({ output: '', exitCode: 0 }));
vi.mock('../src/run.js', () => ({
  runInLab: async (opts: { stdout: NodeJS.WritableStream }) => {
    opts.stdout.write(fake.output);
    return {
      exitCode: fake.exitCode,
      runDir: '/tmp/dmabuf-lab-x',
      outDir: '/tmp/x',
      accel: 'tcg',
      totalMs: 1,
      bootMs: 1,
    };
  },
}));
const { runForResult } = await import('../src/result.js');

function sink() {
  let seen = '';
  return {
    stream: {
      write: (c: unknown) => {
        seen += String(c);
        return true;
      },
    } as unknown as NodeJS.WritableStream,
    seen: () => seen,
  };
}

describe('runForResult', () => {
  afterEach(() => {
    fake.output = '';
    fake.exitCode = 0;
  });

  it("streams the command's output and returns the JSON of its RESULT line", async () => {
    fake.output = 'round 1: 3 fps\nRESULT {"fps":3,"ok":true}\nbye\n';
    const out = sink();
    await expect(runForResult({ command: ['node', 'guest.js'], stdout: out.stream })).resolves.toEqual({
      fps: 3,
      ok: true,
    });
    expect(out.seen()).toBe(fake.output);
  });

  it('a non-zero exit is a LabError naming the command and the console log', async () => {
    fake.output = 'RESULT {}\n';
    fake.exitCode = 3;
    await expect(
      runForResult({ command: ['node', 'guest.js'], stdout: sink().stream }),
    ).rejects.toMatchObject({
      name: 'LabError',
      exitCode: 3,
      message: 'node guest.js exited with 3 in the lab; its console log: /tmp/dmabuf-lab-x/console.log',
    });
  });

  it('no RESULT line, or one that is not JSON: a LabError saying so', async () => {
    fake.output = 'nothing here\n';
    await expect(runForResult({ command: ['x'], stdout: sink().stream })).rejects.toThrow(
      "x printed no 'RESULT {json}' line",
    );
    fake.output = 'RESULT {oops\n';
    await expect(runForResult({ command: ['x'], stdout: sink().stream })).rejects.toThrow(
      'x printed a RESULT line that is not JSON',
    );
  });
});
