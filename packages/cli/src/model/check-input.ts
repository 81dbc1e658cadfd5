import { assertObject, assertString, assertUint, invalidArgument } from '@dmabuf/core';
import type { SystemRead } from '../proc/read-system.js';
import type { BufferEntry } from './types.js';

// What the cli's exported model functions take, checked before use: a wrong shape is an
// InvalidArgumentError naming the field ("read.processes[2].fds[0].ino"), never a TypeError from
// deep inside (issue 15's corpus). Counts and sizes are non-negative integers, pids positive.

function assertArray(name: string, v: unknown): asserts v is unknown[] {
  if (!Array.isArray(v)) throw invalidArgument(name, 'an array', v);
}

function assertInt(name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalidArgument(name, 'an integer', v);
}

function optional(name: string, v: unknown, check: (name: string, v: unknown) => void): void {
  if (v !== undefined) check(name, v);
}

/** A SystemRead as readSystem() makes it (or a test builds it). */
export function checkSystemRead(read: unknown): asserts read is SystemRead {
  assertObject('read', read);
  const r = read as Record<string, unknown>;
  assertArray('read.processes', r.processes);
  r.processes.forEach((p, i) => {
    const at = `read.processes[${i}]`;
    assertObject(at, p);
    const rec = p as Record<string, unknown>;
    assertUint(`${at}.pid`, rec.pid);
    assertString(`${at}.command`, rec.command);
    assertInt(`${at}.uid`, rec.uid);
    assertArray(`${at}.fds`, rec.fds);
    rec.fds.forEach((f, j) => {
      const fa = `${at}.fds[${j}]`;
      assertObject(fa, f);
      const fd = f as Record<string, unknown>;
      assertUint(`${fa}.fd`, fd.fd);
      assertUint(`${fa}.ino`, fd.ino);
      assertString(`${fa}.exporter`, fd.exporter);
      assertUint(`${fa}.size`, fd.size);
      optional(`${fa}.name`, fd.name, assertString);
      optional(`${fa}.count`, fd.count, assertUint);
    });
    assertArray(`${at}.mappings`, rec.mappings);
    rec.mappings.forEach((m, j) => {
      const ma = `${at}.mappings[${j}]`;
      assertObject(ma, m);
      const map = m as Record<string, unknown>;
      assertUint(`${ma}.ino`, map.ino);
      assertUint(`${ma}.bytes`, map.bytes);
      optional(`${ma}.name`, map.name, assertString);
    });
  });
  if (r.kernel !== undefined) {
    assertObject('read.kernel', r.kernel);
    const k = r.kernel as Record<string, unknown>;
    assertArray('read.kernel.buffers', k.buffers);
    k.buffers.forEach((b, i) => {
      const ba = `read.kernel.buffers[${i}]`;
      assertObject(ba, b);
      const kb = b as Record<string, unknown>;
      assertUint(`${ba}.ino`, kb.ino);
      assertString(`${ba}.exporter`, kb.exporter);
      assertUint(`${ba}.size`, kb.size);
      assertUint(`${ba}.count`, kb.count);
      optional(`${ba}.name`, kb.name, assertString);
      assertArray(`${ba}.attached`, kb.attached);
    });
  }
  assertArray('read.unreadable', r.unreadable);
  r.unreadable.forEach((u, i) => {
    assertObject(`read.unreadable[${i}]`, u);
  });
  assertInt('read.uid', r.uid);
}

/** A SnapshotFilter: pids positive integers, exporters strings. */
export function checkFilter(
  filter: unknown,
): asserts filter is { pids?: readonly number[]; exporters?: readonly string[] } {
  assertObject('filter', filter);
  const f = filter as Record<string, unknown>;
  if (f.pids !== undefined) {
    assertArray('filter.pids', f.pids);
    f.pids.forEach((p, i) => {
      assertUint(`filter.pids[${i}]`, p);
    });
  }
  if (f.exporters !== undefined) {
    assertArray('filter.exporters', f.exporters);
    f.exporters.forEach((e, i) => {
      assertString(`filter.exporters[${i}]`, e);
    });
  }
}

/** A BufferEntry as bytesOf() reads it: a size, or holders with their mapped bytes. */
export function checkEntry(b: unknown): asserts b is BufferEntry {
  assertObject('b', b);
  const e = b as Record<string, unknown>;
  assertUint('b.ino', e.ino);
  if (e.size !== undefined) assertUint('b.size', e.size);
  assertArray('b.holders', e.holders);
  e.holders.forEach((h, i) => {
    assertObject(`b.holders[${i}]`, h);
    assertUint(`b.holders[${i}].mappedBytes`, (h as Record<string, unknown>).mappedBytes);
  });
}
