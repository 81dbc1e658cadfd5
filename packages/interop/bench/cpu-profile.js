// Where a benchmark's CPU goes, in the guest: V8's sampling profiler through
// node:inspector (in memory: nothing written under the lab's shared root),
// summed by function (self time) and by kind, plus the process's user and
// system time from /proc/self/stat over the same span. Printed to stdout.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const CLK_TCK = 100;

function procTimes() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userMs: (Number(f[11]) * 1000) / CLK_TCK, systemMs: (Number(f[12]) * 1000) / CLK_TCK };
}

/**
 * Run `fn` under the profiler; print the `top` functions by self time and
 * the split (JavaScript, native/kernel seen from JS as "(program)", GC,
 * idle) as lines starting with `label`. Returns fn's result.
 * @template T @param {string} label @param {() => Promise<T>} fn @param {number} [top]
 */
export async function profiled(label, fn, top = 15) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  const t0 = procTimes();
  const w0 = performance.now();
  let result;
  try {
    result = await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    const t1 = procTimes();
    const wall = performance.now() - w0;
    session.disconnect();
    summarize(
      label,
      profile,
      { wall, userMs: t1.userMs - t0.userMs, systemMs: t1.systemMs - t0.systemMs },
      top,
    );
  }
  return result;
}

function summarize(label, profile, times, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  });
  const byFn = new Map();
  const kinds = { javascript: 0, program: 0, gc: 0, idle: 0 };
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    total += us;
    if (functionName === '(idle)') kinds.idle += us;
    else if (functionName === '(program)') kinds.program += us;
    else if (functionName === '(garbage collector)') kinds.gc += us;
    else kinds.javascript += us;
    const where = url ? `${url.replace(/^.*\/(packages|node_modules)\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / Math.max(total, 1)).toFixed(1)}%`;
  console.log(
    `${label}: wall ${times.wall.toFixed(0)} ms; /proc/self/stat user ${times.userMs.toFixed(0)} ms, system ${times.systemMs.toFixed(0)} ms (all threads)`,
  );
  console.log(
    `${label}: JS thread samples: javascript ${pct(kinds.javascript)}, (program) native+kernel ${pct(kinds.program)}, GC ${pct(kinds.gc)}, idle ${pct(kinds.idle)}`,
  );
  const sorted = [...byFn].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [k, us] of sorted.slice(0, top))
    console.log(`${label}:   ${pct(us).padStart(6)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
