import { describe, expect, it } from 'vitest';
import { LabError } from '../src/errors.js';
import { panickedBeforeCommand } from '../src/run.js';

// The guest's console when the kernel died at boot under TCG (an int3 oops while it patched its
// own code), and when the command had started before a panic.
const bootPanic = [
  '[    2.342809] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI',
  '[    2.343543] RIP: 0010:sched_clock_cpu+0x9/0x190',
  '[    2.353333] Kernel panic - not syncing: Fatal exception in interrupt',
].join('\n');
const ready = 'dmabuf-lab-init: [9.59] READY';

describe('a boot that panicked before the command', () => {
  it('is told apart from a panic after the command started (only the first boots again)', () => {
    expect(panickedBeforeCommand(bootPanic)).toBe(true);
    expect(panickedBeforeCommand(`${ready}\n${bootPanic}`)).toBe(false);
    expect(panickedBeforeCommand(ready)).toBe(false);
    expect(panickedBeforeCommand('')).toBe(false);
  });

  it('refuses a log that is not a string with a LabError naming it', () => {
    expect(() => panickedBeforeCommand(undefined as unknown as string)).toThrow(LabError);
    expect(() => panickedBeforeCommand(42 as unknown as string)).toThrow(/log/);
  });
});
