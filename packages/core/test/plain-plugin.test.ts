import { describe, expect, it } from 'vitest';
import { Framework, PluginError } from '../src/index.js';
import { describeExporterContract } from '../src/testing/contract.js';
import { scratchExporter, scratchPlugin } from './fixtures/scratch-exporter.js';

// The README's plugin: a plain object, registered without decorators, passes the exporter contract.
describeExporterContract('scratch, a plain-object plugin (host)', async () => ({
  framework: await Framework.create({ plugins: [scratchPlugin()] }),
  exportOptions: { exporter: 'scratch', size: 64 * 1024 },
  lateAllocation: true,
}));

describeExporterContract('scratch, as a bare exporter (no plugin module) (host)', async () => ({
  framework: await Framework.create({ exporters: [scratchExporter()] }),
  exportOptions: { width: 64, height: 48, format: 'NV12' },
  lateAllocation: true,
}));

describe('an exporter whose fd is not a kernel dma-buf', () => {
  it('without CPU-access hooks, CPU access fails with ENOTTY and a hint that says to add them', async () => {
    const { beginCpuAccess: _b, endCpuAccess: _e, ...bare } = scratchExporter();
    await using fw = await Framework.create({ exporters: [bare] });
    using buf = fw.export({ size: 4096 });
    expect(() => buf.cpuAccess('write')).toThrow(
      expect.objectContaining({
        code: 'ENOTTY',
        syscall: 'ioctl(DMA_BUF_IOCTL_SYNC)',
        hint: expect.stringMatching(
          /exporter scratch .*not a kernel dma-buf.*beginCpuAccess\(\) and endCpuAccess\(\)/,
        ),
      }),
    );
  });

  it('a throwing hook comes back as a PluginError naming the plugin and the hook, the cause kept', async () => {
    const exporter = scratchExporter();
    exporter.beginCpuAccess = () => {
      throw new Error('cache flush refused');
    };
    await using fw = await Framework.create({ exporters: [exporter] });
    using buf = fw.export({ size: 4096 });
    const e = (() => {
      try {
        buf.beginCpuAccess('read');
      } catch (err) {
        return err;
      }
    })() as PluginError;
    expect(e).toBeInstanceOf(PluginError);
    expect(e).toMatchObject({ plugin: 'scratch', hook: 'beginCpuAccess' });
    expect(e.message).toMatch(/^scratch: beginCpuAccess failed: cache flush refused/);
    expect((e.cause as Error).message).toBe('cache flush refused');
  });
});
