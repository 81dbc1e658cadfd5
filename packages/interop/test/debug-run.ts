import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

const fixture = new URL('./fixtures/debug-drivers.mjs', import.meta.url).pathname;

/** The debug lines of the fixture run in `mode` with NODE_DEBUG set (or not), by section ('UDMABUF', 'V4L2', …). */
export function debugLines(mode: 'missing' | 'lab', nodeDebug?: string): Map<string, string[]> {
  const env = { ...process.env };
  delete env.NODE_DEBUG;
  if (nodeDebug !== undefined) env.NODE_DEBUG = nodeDebug;
  const r = spawnSync(process.execPath, [fixture, mode], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe('done\n');
  const bySection = new Map<string, string[]>();
  for (const line of r.stderr.split('\n').filter(Boolean)) {
    const m = /^DMABUF:([A-Z0-9-]+) \d+: (.*)$/.exec(line);
    expect(m, `a debug line: ${line}`).not.toBeNull();
    bySection.set(m![1]!, [...(bySection.get(m![1]!) ?? []), m![2]!]);
  }
  return bySection;
}
