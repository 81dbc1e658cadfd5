import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every example command: node:util parseArgs, --help listing every option, --version,
// exit 2 for an unknown option or a bad value (usage), before touching any device.
const dist = (name: string) => fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));
const run = (name: string, ...args: string[]) =>
  spawnSync(process.execPath, [dist(name), ...args], { encoding: 'utf8', timeout: 60_000 });

const commands: Record<string, string[]> = {
  'share-frames': ['--frames', '--consumer'],
  'camera-m2m': ['--frames', '--out', 'encode|vkms'],
  'custom-exporter': [],
  'camera-to-display': [
    '--frames',
    '--size',
    '--camera',
    '--card',
    '--connector',
    '--mode',
    '--list',
    '--lab',
  ],
};

describe('example commands: --help, --version, usage errors', { timeout: 120_000 }, () => {
  for (const [name, options] of Object.entries(commands)) {
    it(`${name}: --help names every option and exits 0; --version exits 0; an unknown option exits 2`, () => {
      const help = run(name, '--help');
      expect(help.status).toBe(0);
      for (const o of [...options, '--help', '--version']) expect(help.stdout).toContain(o);
      const version = run(name, '--version');
      expect(version.status).toBe(0);
      expect(version.stdout).toMatch(
        new RegExp(`^${name} \\d+\\.\\d+\\.\\d+ \\(@dmabuf/core \\d+\\.\\d+\\.\\d+\\)\\n$`),
      );
      const bad = run(name, '--no-such-option');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/no-such-option/);
      expect(bad.stdout).toBe('');
    });
  }

  it('a bad value is a usage error (exit 2) naming it', () => {
    const frames = run('share-frames', '--frames', 'many');
    expect(frames.status).toBe(2);
    expect(frames.stderr).toMatch(/--frames .*'many'/);
    const mode = run('camera-m2m', 'decode');
    expect(mode.status).toBe(2);
    expect(mode.stderr).toMatch(/encode\|vkms/);
  });
});
