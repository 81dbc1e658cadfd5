// The flip benchmark's peers, run in the lab guest: libdrm's `modetest -v`
// and the same flip loop in C (bench/flip-baseline.c). Each is measured as
// ours is: the whole process's CPU time (every thread, user + system, to the
// nanosecond), over the same number of flips, after the same warm-up.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * A process's CPU time so far in ns: the sum of its threads' on-CPU time
 * (/proc/<pid>/task/<tid>/schedstat, first field). It is the figure
 * getrusage() (process.cpuUsage()) splits into user and system, so ours and a
 * child's are measured alike; /proc/<pid>/stat's utime + stime would round to
 * 10 ms ticks, a large share of a few hundred flips.
 */
export function cpuNs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns;
}

/** Collects a child's stdout and stderr into one string. */
function output(child) {
  const o = { text: '' };
  const add = (d) => {
    o.text += d;
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  return o;
}

/**
 * The same loop in C (bench/flip-baseline.c, compiled by run.js on the host):
 * `warmup` flips, then `flips` measured with getrusage(RUSAGE_SELF).
 */
export function cLoop(binary, device, info, { flips, warmup }) {
  return new Promise((resolve, reject) => {
    const args = [device, info.crtcId, info.connectorId, info.modeIndex, flips, warmup].map(String);
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = output(child);
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /C: ([\d.]+) flips\/s, ([\d.]+) us CPU\/flip/.exec(out.text);
      if (code !== 0 || !m)
        return reject(new Error(`flip-baseline ${args.join(' ')} failed (exit ${code}): ${out.text}`));
      resolve({ fps: Number(m[1]), cpuUsPerFlip: Number(m[2]) });
    });
  });
}

/**
 * `modetest -M driver -s conn@crtc:mode -v` flips forever and prints `freq: N.NNHz`
 * on stderr every 60 flips. Each such line marks the flip count, the time and the
 * child's CPU time: the first mark (60 flips) ends the warm-up, the one `flips`
 * later ends the measure, and a line on stdin stops it. `flips` must be a
 * multiple of 60 and `warmup` 60 (modetest's own period).
 */
export function modetest(driver, info, { flips, timeoutMs }) {
  if (flips % 60 !== 0) throw new Error(`modetest counts flips by 60: ${flips} is not a multiple of 60`);
  return new Promise((resolve, reject) => {
    const args = ['-M', driver, '-s', `${info.connectorId}@${info.crtcId}:${info.modetestMode}`, '-v'];
    const child = spawn('modetest', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = output(child);
    const marks = [];
    const want = 1 + flips / 60;
    const onData = (d) => {
      for (const _ of String(d).matchAll(/freq: [\d.]+Hz/g)) {
        if (marks.length === want) break;
        marks.push({ t: performance.now(), ns: cpuNs(child.pid) });
        if (marks.length === want) child.stdin.write('\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    const timer = setTimeout(() => child.stdin.write('\n'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (marks.length < want)
        return reject(
          new Error(
            `modetest ${args.join(' ')} gave ${marks.length} of ${want} freq lines in ${timeoutMs} ms (exit ${code}):\n${out.text.slice(-2000)}`,
          ),
        );
      const first = marks[0];
      const last = marks[want - 1];
      resolve({
        args: args.join(' '),
        fps: (flips * 1000) / (last.t - first.t),
        cpuUsPerFlip: (last.ns - first.ns) / 1000 / flips,
      });
    });
  });
}
