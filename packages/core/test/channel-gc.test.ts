import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('channel ends and garbage collection', () => {
  it('a peer dropped while a receive or a send waits stays alive until it is served', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    const script = `
      const { BufferChannel, Framework } = await import(${JSON.stringify(`${dist}index.js`)});
      const { memfdExporterPlugin } = await import(${JSON.stringify(`${dist}testing/index.js`)});
      const warnings = [];
      process.on('warning', (w) => w.code === 'DMABUF_CHANNEL_LEAK' && warnings.push(w.message));
      const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
      const buf = fw.export({ size: 4096 });
      const gc = async () => {
        for (let i = 0; i < 10; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }
      };
      let got;
      let sent = false;
      // in a function: its peers are referenced by nothing but what waits on them once it returns
      const [a, y] = (() => {
        // a receive pending on a peer nobody references any more
        const [a, b] = BufferChannel.pair({ framework: fw });
        b.receive().then((m) => { got = m.message; });
        // a send queued (the socket is full) on a peer nobody references any more
        const [x, y] = BufferChannel.pair({ framework: fw });
        x.sendMany(Array.from({ length: 1000 }, (_, i) => ({ buffer: buf, meta: { i } }))).then(() => { sent = true; });
        return [a, y];
      })();
      await gc();
      const early = warnings.length;
      await a.sendMessage('late');
      let n = 0;
      while (n < 1000) for (const m of await y.receiveMany({ max: 1024 })) { m.buffer.put(); n++; }
      await new Promise((r) => setTimeout(r, 20));
      console.log(JSON.stringify({ early, got, sent, n }));
      a.close();
      y.close();
      buf.put();
    `;
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--no-warnings', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out)).toEqual({ early: 0, got: 'late', sent: true, n: 1000 });
  });
});
