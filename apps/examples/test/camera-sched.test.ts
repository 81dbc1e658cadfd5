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
    const irq = (t: number, cpu: number, name: string, rest: string) => line('<idle>-0', cpu, t, name, rest);
    const wakeOf = (s: number, late = 0) => (s - 1) * PERIOD - 0.001 + late; // a late tick that numbered its frame s
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
    const stamp = (l: string) => Number(/ (\d+\.\d+): /.exec(l)?.[1] ?? 0);
    const [head, ...rest] = trace(100, { 20: { wakeLate: 0.02 }, 60: { fill: 0.02 } })
      .trimEnd()
      .split('\n#\n');
    const body = [...rest.join('').split('\n'), ...extra].sort((x, y) => stamp(x) - stamp(y));
    const r = cameraTicks(`${head}\n#\n${body.join('\n')}\n`, { from: 10, to: 90 });
    expect(r?.causes).toEqual({ lateWake: 1, longFill: 1 });
    expect(r?.interrupts).toEqual({ remoteWake: 1, ownTickWake: 1, tickInFill: 1 });
    expect(r?.skips[0]).toMatch(/ ~tick[+-][\d.]+@1 ~softirq:TIMER[+-][\d.]+@1 W/);
    expect(r?.skips[0]).not.toMatch(/@0 W|~tick[^ ]*@0/);
    expect(r?.skips[1]).toMatch(
      / ~ipi-call[+-][\d.]+@1 W.* ~tick[+-][\d.]+@1 ~irq:virtio2-control[+-][\d.]+@1 D/,
    );
  });

  it('has no interrupt counts when the interrupts were not traced', () => {
    expect(cameraTicks(trace(100, { 20: { wakeLate: 0.02 } }), { from: 10, to: 90 })?.interrupts).toBeNull();
  });

  it('gives null for a trace with too few frames in the window', () => {
    expect(cameraTicks('', { from: 30, to: 300 })).toBeNull();
  });
});
