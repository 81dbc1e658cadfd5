// Why the camera skipped a frame time (bench/camera-sched.js), read from trace text shaped as
// tracefs writes it: vivid's capture thread's wakeups and switches beside its completions.
import { describe, expect, it } from 'vitest';
import { cameraTicks } from '../bench/camera-sched.js';

const PERIOD = 1 / 60;
const KT = 'vivid-000-vid-c-203';
const line = (task: string, cpu: number, t: number, name: string, rest: string) =>
  `     ${task}     [00${cpu}] d..2.    ${(20 + t).toFixed(6)}: ${name}: ${rest}`;
const wakeup = (t: number, cpu = 1) =>
  line('<idle>-0', cpu, t, 'sched_wakeup', `comm=vivid-000-vid-c pid=203 prio=120 target_cpu=00${cpu}`);
const switchIn = (t: number, prev: string, cpu = 1) =>
  line(
    `${prev}-1`,
    cpu,
    t,
    'sched_switch',
    `prev_comm=${prev} prev_pid=1 prev_prio=120 prev_state=R ==> next_comm=vivid-000-vid-c next_pid=203 next_prio=120`,
  );
const switchOut = (t: number, state: string, next: string, cpu = 1) =>
  line(
    KT,
    cpu,
    t,
    'sched_switch',
    `prev_comm=vivid-000-vid-c prev_pid=203 prev_prio=120 prev_state=${state} ==> next_comm=${next} next_pid=1 next_prio=120`,
  );
const done = (t: number, cpu = 1) =>
  line(
    KT,
    cpu,
    t,
    'vb2_buf_done',
    'owner = 0, queued = 2, owned_by_drv = 1, index = 0, type = 1, bytesused = 1, timestamp = 0',
  );
const dqbuf = (t: number, sequence: number) =>
  line(
    'dmabuf-link-204',
    0,
    t,
    'v4l2_dqbuf',
    `minor = 0, index = 0, type = VIDEO_CAPTURE, bytesused = 1, sequence = ${sequence}`,
  );

const irq = (t: number, cpu: number, name: string, rest: string) => line('<idle>-0', cpu, t, name, rest);
/** A late tick that numbered its frame s: when it was woken (`late` s after it was due to be). */
const wakeOf = (s: number, late = 0) => (s - 1) * PERIOD - 0.001 + late;
/** An IPI sent by `cpu`, with the stack its trigger wrote (innermost first) when `stack` is given. */
const send = (t: number, cpu: number, fields: string, stack?: string[]) =>
  [
    line('<idle>-0', cpu, t, fields.startsWith('cpumask') ? 'ipi_send_cpumask' : 'ipi_send_cpu', fields),
    ...(stack
      ? [
          `     <idle>-0     [00${cpu}] d.h3.    ${(20 + t).toFixed(6)}: <stack trace>`,
          ...stack.map((f) => ` => ${f}`),
        ]
      : []),
  ].join('\n');
/** `base` with `extra` entries (each maybe several lines) merged in by time stamp. */
function merged(base: string, extra: string[]): string {
  const stamp = (l: string) => Number(/ (\d+\.\d+): /.exec(l)?.[1] ?? 0);
  const [head, ...rest] = base.trimEnd().split('\n#\n');
  const body = [...rest.join('').split('\n'), ...extra].sort((x, y) => stamp(x) - stamp(y));
  return `${head}\n#\n${body.join('\n')}\n`;
}

type Late = { wakeLate?: number; waitBehind?: [string, number]; preemptBy?: [string, number]; fill?: number };

/**
 * `n` frame times: the thread is woken 1 ms before each frame's completion is due, is on its
 * (idle) CPU at once, fills for 0.7 ms and sleeps. `late[s]` makes the tick of frame s - 1 late
 * by more than a period in one way, so that it completes frame s (s - 1 skipped).
 */
function trace(n: number, late: Record<number, Late> = {}): string {
  const lines = ['# tracer: nop', '#'];
  for (let s = 0; s < n; s++) {
    if (late[s + 1]) continue; // the frame time the late tick skipped
    const l = late[s] ?? {};
    // vivid's late tick was frame s - 1's: it read the clock a period late and numbered it s
    let t = (late[s] ? s - 1 : s) * PERIOD - 0.001 + (l.wakeLate ?? 0);
    lines.push(wakeup(t));
    if (l.waitBehind) t += l.waitBehind[1];
    lines.push(switchIn(t, l.waitBehind?.[0] ?? 'swapper/1'));
    t += (l.fill ?? 0.0007) / 2;
    if (l.preemptBy) {
      lines.push(switchOut(t, 'R+', l.preemptBy[0]));
      t += l.preemptBy[1];
      lines.push(switchIn(t, l.preemptBy[0]));
    }
    t += (l.fill ?? 0.0007) / 2;
    lines.push(done(t), switchOut(t + 0.0001, 'S', 'swapper/1'), dqbuf(t + 0.0003, s));
  }
  return `${lines.join('\n')}\n`;
}

describe('cameraTicks (why the bench camera skipped a frame time)', () => {
  it('finds no skip in a steady trace and reads its fill and wakeup times', () => {
    const r = cameraTicks(trace(100), { from: 10, to: 90 });
    expect(r?.skips).toEqual([]);
    expect(r?.causes).toEqual({});
    expect(r?.typical.fillMs[0]).toBeCloseTo(0.7, 1);
    expect(r?.typical.wakeToRunMs[2]).toBe(0);
  });

  it('names what made each late tick late', () => {
    const r = cameraTicks(
      trace(100, {
        20: { wakeLate: 0.02 },
        30: { waitBehind: ['node', 0.02] },
        40: { waitBehind: ['swapper/1', 0.02] },
        50: { preemptBy: ['kworker/1:1', 0.02] },
        60: { fill: 0.02 },
      }),
      { from: 10, to: 90 },
    );
    expect(r?.causes).toEqual({ lateWake: 1, waited: 1, idleCpuLate: 1, preempted: 1, longFill: 1 });
    expect(r?.skips).toHaveLength(5);
    expect(r?.skips[0]).toMatch(/^seq 19 lateWake: /);
    // the application's DQBUF of the frame before, by its task
    expect(r?.skips[0]).toMatch(/ X[+-][\d.]+\(dmabuf-link\)@0 /);
    expect(r?.skips[1]).toMatch(/^seq 29 waited: .* I\+[\d.]+\(after node\)@1/);
    expect(r?.waitedBehind).toEqual({ node: 20, 'swapper/1': 20 });
    expect(r?.preemptedBy).toEqual({ 'kworker/1:1': 20 });
  });

  it("with the CPUs' interrupts traced, shows those of the thread's CPU and counts how late ticks were woken", () => {
    const extra = [
      // frame 20's tick woken 20 ms late by its own CPU's tick; CPU 0's tick meanwhile is not its CPU's
      irq(wakeOf(20, 0.02) - 0.0001, 1, 'local_timer_entry', 'vector=236'),
      irq(wakeOf(20, 0.02) - 0.00005, 1, 'softirq_entry', 'vec=1 [action=TIMER]'),
      irq(wakeOf(20, 0.02) - 0.0001, 0, 'local_timer_entry', 'vector=236'),
      // frame 60's: woken on time by another CPU's IPI, then a tick and a device IRQ during its long fill
      irq(wakeOf(60) - 0.0001, 1, 'call_function_single_entry', 'vector=251'),
      irq(wakeOf(60) + 0.01, 1, 'local_timer_entry', 'vector=236'),
      irq(wakeOf(60) + 0.011, 1, 'irq_handler_entry', 'irq=24 name=virtio2-control'),
    ];
    const r = cameraTicks(merged(trace(100, { 20: { wakeLate: 0.02 }, 60: { fill: 0.02 } }), extra), {
      from: 10,
      to: 90,
    });
    expect(r?.causes).toEqual({ lateWake: 1, longFill: 1 });
    // no IPI sends traced: nothing counted from them, the timelines as without them
    expect(r?.interrupts).toEqual({ remoteWake: 1, ownTickWake: 1, tickInFill: 1, remoteTimerWake: 0 });
    expect(r?.skips.join('\n')).not.toMatch(/~send/);
    expect(r?.skips[0]).toMatch(/ ~tick[+-][\d.]+@1 ~softirq:TIMER[+-][\d.]+@1 W/);
    expect(r?.skips[0]).not.toMatch(/@0 W|~tick[^ ]*@0/);
    expect(r?.skips[1]).toMatch(
      / ~ipi-call[+-][\d.]+@1 W.* ~tick[+-][\d.]+@1 ~irq:virtio2-control[+-][\d.]+@1 D/,
    );
  });

  it("shows the IPIs sent by and to the thread's CPU with the senders' stacks and counts remote timer wakeups", () => {
    // the other CPU expiring the idle CPU's timer through the timer-migration hierarchy
    const remoteTimer = [
      '__traceiter_ipi_send_cpu+0x2e/0x50',
      '__smp_call_single_queue+0xc1/0x140',
      'ttwu_queue_wakelist+0xe5/0x100',
      'try_to_wake_up+0x20a/0x680',
      'process_timeout+0x10/0x20',
      'call_timer_fn+0x27/0x130',
      '__run_timers+0x1e6/0x2d0',
      'timer_expire_remote+0x4e/0x70',
      'tmigr_handle_remote+0x37e/0x4b0',
      'handle_softirqs+0xd8/0x2c0',
    ];
    // the tick's nohz idle-balance kick
    const tickKick = [
      'trace_event_raw_event_ipi_send_cpu+0x7f/0xc0',
      '__smp_call_single_queue+0xc1/0x140',
      'generic_exec_single+0x35/0x130',
      'smp_call_function_single_async+0x22/0x40',
      'update_process_times+0x9c/0xb0',
      'tick_nohz_handler+0x8e/0x130',
    ];
    const wake = 'cpu=1 callsite=ttwu_queue_wakelist+0xe5/0x100 callback=0x0';
    const extra = [
      // frame 60's tick: CPU 0 asks CPU 1 to wake it; CPU 1 kicks CPU 0 after its tick in the long fill
      send(wakeOf(60) - 0.0002, 0, wake, remoteTimer),
      irq(wakeOf(60) - 0.0001, 1, 'call_function_single_entry', 'vector=251'),
      irq(wakeOf(60) + 0.01, 1, 'local_timer_entry', 'vector=236'),
      send(
        wakeOf(60) + 0.0101,
        1,
        'cpu=0 callsite=generic_exec_single+0x35/0x130 callback=nohz_csd_func+0x0/0x90',
        tickKick,
      ),
      // between them, to neither CPU 1 nor from it: left out
      send(wakeOf(60) + 0.005, 0, 'cpu=0 callsite=irq_work_queue_on+0x5a/0x90 callback=0x0', []),
      // frame 40's: the same remote wakeup traced without its stack, then a mask send to CPU 1
      send(wakeOf(40) - 0.0002, 0, wake),
      irq(wakeOf(40) - 0.0001, 1, 'call_function_single_entry', 'vector=251'),
      send(
        wakeOf(40) + 0.0002,
        0,
        'cpumask=00000002 callsite=smp_call_function_many_cond+0x11c/0x5a0 callback=do_sync_core+0x0/0x30',
      ),
    ];
    const r = cameraTicks(merged(trace(100, { 40: { fill: 0.02 }, 60: { fill: 0.02 } }), extra), {
      from: 10,
      to: 90,
    });
    expect(r?.causes).toEqual({ longFill: 2 });
    expect(r?.skips[1]).toMatch(
      / ~send>1:ttwu_queue_wakelist<try_to_wake_up<process_timeout<call_timer_fn<__run_timers<timer_expire_remote<tmigr_handle_remote[+-][\d.]+@0 ~ipi-call[+-][\d.]+@1 W/,
    );
    expect(r?.skips[1]).toMatch(
      / ~tick[+-][\d.]+@1 ~send>0:generic_exec_single<update_process_times<tick_nohz_handler[+-][\d.]+@1 D/,
    );
    expect(r?.skips[1]).not.toMatch(/irq_work_queue_on/);
    expect(r?.skips[0]).toMatch(/ ~send>1:ttwu_queue_wakelist[+-][\d.]+@0 ~ipi-call[+-][\d.]+@1 W/);
    expect(r?.skips[0]).toMatch(/ ~send>1:smp_call_function_many_cond[+-][\d.]+@0 /);
    // only frame 60's wakeup has a sender's stack that shows the timer-migration hierarchy
    expect(r?.interrupts).toEqual({ remoteWake: 2, ownTickWake: 0, tickInFill: 1, remoteTimerWake: 1 });
  });

  it('has no interrupt counts when the interrupts were not traced', () => {
    expect(cameraTicks(trace(100, { 20: { wakeLate: 0.02 } }), { from: 10, to: 90 })?.interrupts).toBeNull();
  });

  it('gives null for a trace with too few frames in the window', () => {
    expect(cameraTicks('', { from: 30, to: 300 })).toBeNull();
  });
});
