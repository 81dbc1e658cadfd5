// The camera's own account of a bench round (inside the lab, from bench/guest.js), the same for
// the link and for GStreamer: the kernel's trace events for the capture queue (tracefs) say when
// vb2 gave a buffer to the driver (vb2_buf_queue), when the driver filled one (vb2_buf_done), and
// which sequence number it carried out (v4l2_dqbuf). vivid numbers its frames by its clock
// (jiffies since streaming started), so a frame time it handled late, or with no buffer queued,
// is a sequence number skipped; a skip in an interval throughout which the driver held a queued
// buffer was the driver's own lateness, not a buffer the application kept from it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cameraTicks } from './camera-sched.js';

const TRACING = '/sys/kernel/tracing';
const EVENTS = ['vb2/vb2_buf_queue', 'vb2/vb2_buf_done', 'v4l2/v4l2_dqbuf'];
// what interrupted a CPU (x86 guest): the local timer's tick, IPIs, device IRQs, softirqs
const IRQ_EVENTS = [
  'irq_vectors/local_timer_entry',
  'irq_vectors/call_function_entry',
  'irq_vectors/call_function_single_entry',
  'irq_vectors/reschedule_entry',
  'irq/irq_handler_entry',
  'irq/softirq_entry',
];
// who sent an IPI to which CPU, from where (6.4+ kernels; skipped when absent); the single-CPU
// sends also carry the sender's kernel stack (a stacktrace trigger, on only while tracing a round)
const IPI_SEND_EVENTS = ['ipi/ipi_send_cpu', 'ipi/ipi_send_cpumask'];
const IPI_STACK_TRIGGER = 'events/ipi/ipi_send_cpu/trigger';

/**
 * @typedef {object} CameraRound
 * @property {number} frames frames the camera delivered in the window (dequeues `from`..`to`)
 * @property {number} fps those frames per second, by the driver's own completion times (vb2_buf_done)
 * @property {number} sequenceRate sequence numbers per second over the window (the camera's clock: 60 at 60 fps)
 * @property {number} skipped sequence numbers in the window with no frame
 * @property {number} skippedWithBufferQueued of those, skips in intervals throughout which the driver held a queued buffer
 * @property {number} emptyIntervals frame intervals in which the driver had no buffer queued at some moment
 * @property {number} maxQueued the most buffers the driver held at once in the window
 */

/**
 * The camera's figures from a trace's text (the `trace` file's lines), over the dequeues
 * `from` (inclusive) to `to` (exclusive) of its capture queue; null when the trace has too few.
 * @param {string} text
 * @param {{ from: number, to: number }} window
 * @returns {CameraRound | null}
 */
export function cameraRound(text, { from, to }) {
  /** @type {{ t: number, queued: number }[]} the driver's buffer count after each event, in order */
  const steps = [];
  /** @type {number[]} indexes into steps of the completions */
  const done = [];
  /** @type {number[]} */
  const sequence = [];
  for (const m of text.matchAll(/ (\d+\.\d+): (vb2_buf_queue|vb2_buf_done|v4l2_dqbuf): ([^\n]*)/g)) {
    const [, t, name, rest] = m;
    if (name === 'v4l2_dqbuf') {
      if (!/type = VIDEO_CAPTURE[,\s]/.test(rest)) continue;
      sequence.push(Number(/sequence = (\d+)/.exec(rest)?.[1]));
      continue;
    }
    if (!/ type = 1,/.test(rest)) continue; // V4L2_BUF_TYPE_VIDEO_CAPTURE
    const queued = Number(/owned_by_drv = (\d+)/.exec(rest)?.[1]);
    if (name === 'vb2_buf_done') done.push(steps.length);
    steps.push({ t: Number(t), queued });
  }
  const last = Math.min(to, sequence.length, done.length) - 1;
  if (last - from < 2) return null;
  let skipped = 0;
  let skippedWithBufferQueued = 0;
  let emptyIntervals = 0;
  let maxQueued = 0;
  for (let i = from; i < last; i++) {
    // the fewest buffers the driver held from frame i's completion to frame i + 1's
    let fewest = steps[done[i]].queued;
    for (let k = done[i] + 1; k < done[i + 1]; k++) {
      fewest = Math.min(fewest, steps[k].queued);
      maxQueued = Math.max(maxQueued, steps[k].queued);
    }
    if (fewest === 0) emptyIntervals++;
    const gap = sequence[i + 1] - sequence[i] - 1;
    if (gap <= 0) continue;
    skipped += gap;
    if (fewest > 0) skippedWithBufferQueued += gap;
  }
  const seconds = steps[done[last]].t - steps[done[from]].t;
  return {
    frames: last - from + 1,
    fps: (last - from) / seconds,
    sequenceRate: (sequence[last] - sequence[from]) / seconds,
    skipped,
    skippedWithBufferQueued,
    emptyIntervals,
    maxQueued,
  };
}

/**
 * Trace the capture queue's events over a round: `start()` before it, `stop(window)` after it
 * gives the round's CameraRound (null when tracefs is not there or the trace is short). Only
 * the three events are on (one each per buffer's trip), for both sides alike. `sched`: also
 * vivid's thread's scheduler events (bench/camera-sched.js); `irqs`: also every CPU's interrupts
 * (timer ticks, IPIs, device IRQs, softirqs) and the IPIs the CPUs sent (ipi_send_cpu with its
 * sender's stack, ipi_send_cpumask) for the skips' timelines; the stack trigger is set by
 * `start()` and removed by `stop()`, so it does not outlast the round.
 */
export function cameraTracer({ sched = false, irqs = false } = {}) {
  const w = (/** @type {string} */ f, /** @type {string} */ v) => writeFileSync(`${TRACING}/${f}`, v);
  let ok = false;
  let ipiStacks = false;
  // the stacktrace trigger on ipi_send_cpu: removed first (a crashed process may have left it, and
  // setting it twice fails), set when `on`; the round is traced without stacks if that fails
  const stackTrigger = (/** @type {boolean} */ on) => {
    try {
      w(IPI_STACK_TRIGGER, '!stacktrace');
    } catch {
      // not set
    }
    try {
      if (on) w(IPI_STACK_TRIGGER, 'stacktrace');
    } catch {
      // traced without the senders' stacks
    }
  };
  try {
    if (!existsSync(`${TRACING}/events/vb2`)) {
      execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACING]);
    }
    w('tracing_on', '0');
    for (const e of EVENTS) w(`events/${e}/enable`, '1');
    if (sched) {
      // vivid's capture thread's wakeups and switches only (bench/camera-sched.js)
      w('buffer_size_kb', '8192');
      w('events/sched/sched_switch/filter', 'prev_comm ~ "vivid-*" || next_comm ~ "vivid-*"');
      w('events/sched/sched_wakeup/filter', 'comm ~ "vivid-*"');
      w('events/sched/sched_switch/enable', '1');
      w('events/sched/sched_wakeup/enable', '1');
      if (irqs) for (const e of IRQ_EVENTS) w(`events/${e}/enable`, '1');
      if (irqs && existsSync(`${TRACING}/events/ipi/ipi_send_cpu`)) {
        for (const e of IPI_SEND_EVENTS)
          if (existsSync(`${TRACING}/events/${e}`)) w(`events/${e}/enable`, '1');
        ipiStacks = true;
      }
    }
    ok = true;
  } catch {
    ok = false;
  }
  return {
    available: ok,
    start() {
      if (!ok) return;
      w('trace', '');
      if (ipiStacks) stackTrigger(true);
      w('tracing_on', '1');
    },
    /** @param {{ from: number, to: number }} window */
    stop(window) {
      if (!ok) return null;
      w('tracing_on', '0');
      if (ipiStacks) stackTrigger(false);
      const text = readFileSync(`${TRACING}/trace`, 'utf8');
      const round = cameraRound(text, window);
      return round && sched ? { ...round, ticks: cameraTicks(text, window) } : round;
    },
  };
}
