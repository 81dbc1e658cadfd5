// Why the camera skipped a frame time (inside the lab, from bench/camera-trace.js when
// C2D_BENCH_SCHED=1): the scheduler's trace events for vivid's capture thread (sched_wakeup,
// sched_switch in and out, filtered to it) beside its completions (vb2_buf_done). vivid's thread
// sleeps until the jiffy of its next frame time, fills the buffer (pixels drawn by the CPU) and
// completes it; a frame time is skipped when the thread reads jiffies a frame period or so late.
// So a skip is one of: the wakeup itself came late (the timer, or the vCPU not running), the thread
// waited on its runqueue after the wakeup (another task on its CPU: which), it was preempted while
// filling (by which task), or its fill ran long without a switch (the vCPU slow or not running).

/** Seconds → milliseconds, one decimal. */
const ms = (/** @type {number} */ s) => Math.round(s * 10000) / 10;
const FRAME_S = 1 / 60;
// an interrupt this close before a wakeup on the same CPU is what delivered it
const WAKE_BY_S = 0.0003;
// an IPI sent to the thread's CPU this close before its wakeup is what asked for it
const SENT_BY_S = 0.001;
// a sender's stack frames left out of a timeline: the tracing's own and the IPI's queueing
const NOISE_FRAME =
  /^(trace_|__traceiter_|perf_trace_|__bpf_trace_|__smp_call_single_queue$|smp_call_function_single_async$|generic_exec_single$)/;
// the frames shown of a sender's stack, after its callsite
const FRAMES = 6;

/**
 * @typedef {{ t: number, kind: string, cpu: number, other?: string, state?: string, targets?: number[], stack?: string[] | null }} TickEvent
 *   a trace event of the timeline; a sent IPI (kind `>`) has its target CPUs and, when traced, its sender's stack
 */

/**
 * @typedef {object} CameraTicks
 * @property {Record<string, number>} causes skipped frame times by what made the tick late
 *   (noSleep, waited, idleCpuLate, preempted, longFill, lateWake)
 * @property {string[]} skips one line per skip: the thread's events from the completion before
 *   the skip to the one after, in ms from when the first skipped frame time's completion was due
 *   (S slept, W woken, I on CPU after prev, P preempted by next, D completed; the application's
 *   Q QBUF and X DQBUF, by task)
 * @property {{ wakeToRunMs: number[], fillMs: number[], preemptedMs: number }} typical the
 *   window's ticks: wakeup → on CPU (median, p95, max), on CPU → completed (median, p95, max),
 *   time preempted in total
 * @property {Record<string, number>} waitedBehind ms the woken thread waited, by the task that ran before it (waits > 1 ms)
 * @property {Record<string, number>} preemptedBy ms it was preempted, by the task that ran instead
 * @property {{ remoteWake: number, ownTickWake: number, tickInFill: number, remoteTimerWake: number } | null} interrupts
 *   with the CPUs' interrupts traced (C2D_BENCH_SCHED=irq), else null: skipped frame times whose
 *   tick was woken by an IPI from another CPU (that CPU ran the thread's timer), by its own CPU's
 *   tick, that had a tick on its CPU between going on CPU and the completion, and whose wakeup
 *   came just after an IPI sent to its CPU from another CPU expiring timers for it (the sender's
 *   stack has tmigr_handle_remote or timer_expire_remote: the timer-migration hierarchy; 0 when
 *   the stacks were not traced); each skip's line then also shows its CPU's interrupts (~tick,
 *   ~ipi-call, ~ipi-resched, ~irq:NAME, ~softirq:ACTION) and the IPIs sent by and to its CPU
 *   (~send>TARGETS:CALLSITE, then `<`-joined frames of the sender's stack after the callsite when
 *   traced, e.g. ~send>1:ttwu_queue_wakelist<try_to_wake_up<process_timeout<call_timer_fn...)
 */

/**
 * The capture thread's ticks over dequeues `from`..`to` of a trace with the vb2, v4l2 and
 * sched events (sched_switch and sched_wakeup filtered to vivid's threads).
 * @param {string} text
 * @param {{ from: number, to: number }} window
 * @returns {CameraTicks | null}
 */
export function cameraTicks(text, { from, to }) {
  /** @type {TickEvent[]} */
  const ev = [];
  /** @type {number[]} */
  const sequence = [];
  /** @type {number[]} ev indexes of the completions */
  const done = [];
  for (const m of text.matchAll(
    /^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+(\d+\.\d+): (sched_switch|sched_wakeup|vb2_buf_done|vb2_buf_queue|v4l2_dqbuf|local_timer_entry|call_function_entry|call_function_single_entry|reschedule_entry|irq_handler_entry|softirq_entry|ipi_send_cpu|ipi_send_cpumask): ([^\n]*)/gm,
  )) {
    const [, task, , cpu, ts, name, rest] = m;
    const t = Number(ts);
    // the application's QBUF (vb2 gives the buffer to the driver) and DQBUF: ioctls that hold the
    // device's lock, which vivid's thread only tries for (it yields and retries while another has it)
    if (name === 'v4l2_dqbuf') {
      if (!/type = VIDEO_CAPTURE[,\s]/.test(rest)) continue;
      sequence.push(Number(/sequence = (\d+)/.exec(rest)?.[1]));
      ev.push({ t, kind: 'X', cpu: Number(cpu), other: task.trim() });
      continue;
    }
    if (name === 'vb2_buf_queue') {
      if (/ type = 1,/.test(rest)) ev.push({ t, kind: 'Q', cpu: Number(cpu), other: task.trim() });
      continue;
    }
    // a CPU sent an IPI (C2D_BENCH_SCHED=irq): shown in a skip's timeline when by or to the thread's CPU
    if (name.startsWith('ipi_send')) {
      // only ipi_send_cpu has the stacktrace trigger (bench/camera-trace.js)
      const stack = name === 'ipi_send_cpu' ? senderStack(text, (m.index ?? 0) + m[0].length, cpu) : null;
      const callsite = /callsite=([^\s+]+)/.exec(rest)?.[1] ?? '?';
      const targets = sendTargets(rest);
      let shown = stack ?? [];
      const at = shown.indexOf(callsite);
      if (at >= 0) shown = shown.slice(at + 1);
      shown = shown.filter((f) => !NOISE_FRAME.test(f)).slice(0, FRAMES);
      const other = `send>${targets.join(',')}:${callsite}${shown.map((f) => `<${f}`).join('')}`;
      ev.push({ t, kind: '>', cpu: Number(cpu), other, targets, stack });
      continue;
    }
    // a CPU interrupted (C2D_BENCH_SCHED=irq): shown in a skip's timeline when on the thread's CPU
    if (name.endsWith('_entry')) {
      ev.push({ t, kind: '~', cpu: Number(cpu), other: interruptName(name, rest) });
      continue;
    }
    if (name === 'vb2_buf_done') {
      if (!/ type = 1,/.test(rest)) continue;
      done.push(ev.length);
      ev.push({ t, kind: 'D', cpu: Number(cpu) });
      continue;
    }
    if (name === 'sched_wakeup') {
      if (/comm=vivid-/.test(rest))
        ev.push({ t, kind: 'W', cpu: Number(/target_cpu=(\d+)/.exec(rest)?.[1]) });
      continue;
    }
    const s =
      /prev_comm=(.*?) prev_pid=\d+ prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=/.exec(rest);
    if (!s) continue;
    const [, prev, state, next] = s;
    if (next.startsWith('vivid-')) ev.push({ t, kind: 'I', cpu: Number(cpu), other: prev });
    else if (prev.startsWith('vivid-'))
      ev.push({ t, kind: state.startsWith('R') ? 'P' : 'S', cpu: Number(cpu), other: next, state });
  }
  const last = Math.min(to, sequence.length, done.length) - 1;
  if (last - from < 2) return null;
  // when each sequence number's completion is due: the window's median offset from a 60 Hz grid
  const offsets = [];
  for (let i = from; i <= last; i++) offsets.push(ev[done[i]].t - sequence[i] * FRAME_S);
  offsets.sort((a, b) => a - b);
  const offset = offsets[Math.floor(offsets.length / 2)];
  const skips = [];
  /** @type {{ i: number, gap: number, wake: number, wakeCpu: number, on: number, pre: number, onAfterIdle: boolean }[]} the late ticks */
  const late = [];
  /** @type {Record<string, number>} */
  const causes = {};
  const wakeToRun = [];
  const fill = [];
  let preempted = 0;
  /** @type {Record<string, number>} */
  const waitedBehind = {};
  /** @type {Record<string, number>} */
  const preemptedBy = {};
  const add = (/** @type {Record<string, number>} */ o, /** @type {string} */ k, /** @type {number} */ v) => {
    o[k] = Math.round(((o[k] ?? 0) + v) * 10) / 10;
  };
  for (let i = from; i < last; i++) {
    const a = done[i];
    const b = done[i + 1];
    // the tick that completed frame i + 1: from its last wakeup (or from frame i's completion when
    // it did not sleep) to its completion
    let wake = -1;
    let wakeCpu = -1;
    let on = -1;
    let outAt = -1;
    let pre = 0;
    let onAfterIdle = false;
    for (let k = a + 1; k < b; k++) {
      const e = ev[k];
      if (e.kind === 'W') {
        wake = e.t;
        wakeCpu = e.cpu;
        on = -1;
        pre = 0;
      } else if (e.kind === 'I') {
        if (wake >= 0 && on < 0) {
          on = e.t;
          onAfterIdle = (e.other ?? '').startsWith('swapper/');
          const waited = ms(e.t - wake);
          if (waited > 1) add(waitedBehind, e.other ?? '?', waited);
        }
        if (outAt >= 0) {
          pre += e.t - outAt;
          outAt = -1;
        }
      } else if (e.kind === 'P') {
        outAt = e.t;
      } else if (e.kind === 'S') {
        outAt = -1;
      }
    }
    // preemption times by task, from the same walk
    for (let k = a + 1, at = -1, by = ''; k < b; k++) {
      const e = ev[k];
      if (e.kind === 'P') {
        at = e.t;
        by = e.other ?? '?';
      } else if (e.kind === 'I' && at >= 0) {
        add(preemptedBy, by, ms(e.t - at));
        at = -1;
      }
    }
    if (wake >= 0 && on >= 0) {
      wakeToRun.push(ms(on - wake));
      fill.push(ms(ev[b].t - on - pre));
    }
    preempted += pre;
    const gap = sequence[i + 1] - sequence[i] - 1;
    if (gap <= 0) continue;
    late.push({ i, gap, wake, wakeCpu, on, pre, onAfterIdle });
  }
  // what made a late tick late, the largest of: its wakeup itself came late (lateWake: the timer,
  // its CPU idle; measured against when a tick's wakeup typically comes before its completion is
  // due), it waited after the wakeup behind another task (waited) or with its CPU idle
  // (idleCpuLate: the idle vCPU slow to take it), it was preempted (preempted), its fill ran
  // long without a switch (longFill: the vCPU slow or not running, or the thread retrying for the
  // device's lock while an application's ioctl held it: see the Q and X events); noSleep: it never slept
  // since the last completion (that tick ran long)
  const median = (/** @type {number[]} */ xs) =>
    [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
  const typicalWakeToDone = (median(wakeToRun) + median(fill)) / 1000;
  const typicalFill = median(fill) / 1000;
  /** @type {CameraTicks['interrupts']} */
  const interrupts = ev.some((e) => e.kind === '~')
    ? { remoteWake: 0, ownTickWake: 0, tickInFill: 0, remoteTimerWake: 0 }
    : null;
  for (const { i, gap, wake, wakeCpu, on, pre, onAfterIdle } of late) {
    const a = done[i];
    const b = done[i + 1];
    const due = offset + (sequence[i] + 1) * FRAME_S;
    /** @type {[string, number][]} */
    const parts =
      wake < 0
        ? [['noSleep', 1]]
        : [
            ['lateWake', wake - (due - typicalWakeToDone)],
            [onAfterIdle ? 'idleCpuLate' : 'waited', on - wake],
            ['preempted', pre],
            ['longFill', ev[b].t - on - pre - typicalFill],
          ];
    const cause = parts.reduce((x, y) => (y[1] > x[1] ? y : x))[0];
    causes[cause] = (causes[cause] ?? 0) + gap;
    const line = [`seq ${sequence[i] + 1}${gap > 1 ? `+${gap - 1}` : ''} ${cause}:`];
    const cpu = ev[b].cpu; // the thread's CPU when it completed the frame
    /** @type {typeof ev} its CPU's interrupts over the timeline */
    const mine = [];
    /** @type {typeof ev} the IPIs any CPU sent over the timeline */
    const sends = [];
    for (let k = a; k <= b; k++) {
      const e = ev[k];
      if (e.kind === '~') {
        if (e.cpu !== cpu) continue;
        mine.push(e);
      }
      if (e.kind === '>') {
        sends.push(e);
        if (e.cpu !== cpu && !e.targets?.includes(cpu)) continue;
      }
      const at = ms(e.t - due);
      const sign = at >= 0 ? '+' : '';
      line.push(
        e.kind === '~' || e.kind === '>'
          ? `~${e.other}${sign}${at}@${e.cpu}`
          : `${e.kind}${sign}${at}${e.kind === 'I' ? `(after ${e.other})` : e.kind === 'P' ? `(for ${e.other})` : e.kind === 'Q' || e.kind === 'X' ? `(${e.other})` : ''}@${e.cpu}`,
      );
    }
    skips.push(line.join(' '));
    if (interrupts && wake >= 0 && on >= 0) {
      // on the thread's CPU: an IPI just before its wakeup (another CPU ran its timer and woke it), a
      // tick just before it (its own tick woke it), a tick after it went on CPU and before the completion
      const near = (/** @type {string} */ name, /** @type {number} */ from, /** @type {number} */ to) =>
        mine.some((e) => e.other === name && e.t >= from && e.t <= to);
      if (near('ipi-call', wake - WAKE_BY_S, wake)) interrupts.remoteWake += gap;
      if (near('tick', wake - WAKE_BY_S, wake)) interrupts.ownTickWake += gap;
      if (near('tick', on, ev[b].t)) interrupts.tickInFill += gap;
      // the IPI that asked for the wakeup, sent to its CPU by another CPU expiring its timer
      const timerSend = sends.some(
        (e) =>
          e.cpu !== wakeCpu &&
          e.targets?.includes(wakeCpu) &&
          e.t >= wake - SENT_BY_S &&
          e.t <= wake &&
          (e.stack ?? []).some((f) => f === 'tmigr_handle_remote' || f === 'timer_expire_remote'),
      );
      if (timerSend) interrupts.remoteTimerWake += gap;
    }
  }
  const stats = (/** @type {number[]} */ xs) => {
    const s = [...xs].sort((x, y) => x - y);
    return [s[Math.floor(s.length / 2)] ?? 0, s[Math.floor(s.length * 0.95)] ?? 0, s.at(-1) ?? 0];
  };
  return {
    causes,
    skips,
    typical: { wakeToRunMs: stats(wakeToRun), fillMs: stats(fill), preemptedMs: ms(preempted) },
    waitedBehind,
    preemptedBy,
    interrupts,
  };
}

/**
 * The kernel stack a stacktrace trigger wrote for the event whose line ends at `end` on CPU `cpu`:
 * its `<stack trace>` entry (the same CPU's, among the next few lines) and the ` => FUNC` lines after
 * it, as function names (offsets dropped), innermost first; null when there is none.
 */
function senderStack(/** @type {string} */ text, /** @type {number} */ end, /** @type {string} */ cpu) {
  const lines = text.slice(end + 1, end + 4000).split('\n');
  const sameCpu = new RegExp(`\\[0*${Number(cpu)}\\]`);
  // other CPUs' entries may come between; the same CPU's next entry is the stack or there is none
  const header = lines.slice(0, 4).findIndex((l) => sameCpu.test(l));
  if (header < 0 || !lines[header].includes(': <stack trace>')) return null;
  const frames = [];
  for (const l of lines.slice(header + 1)) {
    const f = /^\s*=> (\S+)/.exec(l);
    if (!f) break;
    frames.push(f[1].replace(/\+0x.*$/, ''));
  }
  return frames;
}

/**
 * The CPUs an IPI was sent to: ipi_send_cpu's `cpu=N`, or ipi_send_cpumask's `cpumask=HEX` (the
 * kernel prints the mask as hex words, most significant first, comma-separated).
 */
function sendTargets(/** @type {string} */ rest) {
  const one = /(?:^|\s)cpu=(\d+)/.exec(rest);
  if (one) return [Number(one[1])];
  const words = (/cpumask=([\da-fA-F,]+)/.exec(rest)?.[1] ?? '').split(',').reverse();
  const cpus = [];
  for (const [w, word] of words.entries()) {
    const bits = Number.parseInt(word || '0', 16);
    for (let b = 0; b < 32; b++) if (bits & (2 ** b)) cpus.push(w * 32 + b);
  }
  return cpus;
}

/** An interrupt event's short name in a timeline: tick, ipi-call, ipi-resched, irq:NAME, softirq:ACTION. */
function interruptName(/** @type {string} */ event, /** @type {string} */ rest) {
  if (event === 'local_timer_entry') return 'tick';
  if (event === 'reschedule_entry') return 'ipi-resched';
  if (event === 'irq_handler_entry') return `irq:${/name=(\S+)/.exec(rest)?.[1] ?? '?'}`;
  if (event === 'softirq_entry') return `softirq:${/action=(\w+)/.exec(rest)?.[1] ?? '?'}`;
  return 'ipi-call'; // call_function_entry, call_function_single_entry
}
