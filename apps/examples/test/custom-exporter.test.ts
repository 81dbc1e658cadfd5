import { describe, expect, it } from 'vitest';
import { main } from '../src/custom-exporter.js';

describe('custom exporter example', () => {
  it('exports, maps, refuses a third slot and round-trips identity', async () => {
    const lines = await main();
    expect(lines[0]).toMatch(/65536 bytes/);
    expect(lines[1]).toMatch(/EBUSY/);
    expect(lines[2]).toBe('get(fd) returns the same object: true');
  });
});
