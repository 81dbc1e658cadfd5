import { describe, expect, it } from 'vitest';
import { DmaBufError, exporterPlugin, Framework } from '../src/index.js';
import { MemfdExporter } from '../src/testing/index.js';

describe('exporterPlugin', () => {
  it('registers one exporter without decorators, named after it, and runs shutdown at close', async () => {
    const exporter = new MemfdExporter();
    let shut = 0;
    const plugin = exporterPlugin(exporter, () => {
      shut++;
    });
    expect(plugin.name).toBe(exporter.name);
    expect(plugin.exporter).toBe(exporter);
    const fw = await Framework.create({ plugins: [plugin] });
    const buf = fw.export({ exporter: exporter.name, size: 4096 });
    expect(buf.exporter).toBe(exporter);
    buf.put();
    await fw.close();
    expect(shut).toBe(1);
  });

  it('has no shutdown hook when none is given, and refuses a missing exporter with a typed error', () => {
    expect('shutdown' in exporterPlugin(new MemfdExporter())).toBe(false);
    expect(() => exporterPlugin(undefined as never)).toThrow(DmaBufError);
  });
});
