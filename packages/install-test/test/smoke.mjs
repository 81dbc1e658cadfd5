// Copied into the project the packed tarballs were installed into and run
// there (imports resolve from this file's folder: never the workspace's
// packages): loads every package the way a user does and exercises each
// prebuilt binding. Plain node 20 JavaScript (no `using`). Prints one JSON
// line: { arch, bindings, core }. The install test also runs it under
// qemu-user with a node of another arch.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);
const nodeGypBuild = require('node-gyp-build');
const ENOENT = -2;

// Each driver's binding, from where node-gyp-build finds it, with a call that
// reaches the kernel (open of a path that does not exist: -ENOENT).
const probes = {
  '@dmabuf/core': (b) => {
    const fd = b.memfdCreate('install-test', 0);
    return fd >= 0 && b.close(fd) === 0;
  },
  '@dmabuf/exporter-udmabuf': (b) => b.openDevice('/nonexistent/udmabuf') === ENOENT,
  '@dmabuf/exporter-heap': (b) => b.openHeap('/nonexistent/heap') === ENOENT,
  '@dmabuf/exporter-drm': (b) => b.open('/nonexistent/card0') === ENOENT,
  '@dmabuf/importer-v4l2': (b) => b.open('/nonexistent/video0') === ENOENT,
};
const bindings = {};
for (const [name, probe] of Object.entries(probes)) {
  const root = dirname(require.resolve(`${name}/package.json`));
  await import(name); // the package's own entry point loads
  bindings[name] = {
    path: nodeGypBuild.resolve(root).slice(root.length + 1),
    works: probe(nodeGypBuild(root)),
  };
}

// The core as a user runs it: a buffer exported, written, sent over a channel, read back.
const { BufferChannel, Framework, openFdCount } = await import('@dmabuf/core');
const { memfdExporterPlugin } = await import('@dmabuf/core/testing');
const before = openFdCount();
const fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
const buf = fw.export({ size: 4096 });
const w = buf.cpuAccess('write');
w.bytes.fill(7);
w[Symbol.dispose]();
const [a, b] = BufferChannel.pair({ framework: fw });
await a.send(buf, { seq: 1 });
const m = await b.receive();
let sum = 0;
const r = m.buffer.cpuAccess('read');
for (const v of r.bytes) sum += v;
r[Symbol.dispose]();
const core = { sameBuffer: m.buffer === buf, meta: m.meta, sum };
m.buffer.put();
buf.put();
a.close();
b.close();
await fw.close();
core.fdsLeft = openFdCount() - before;
console.log(JSON.stringify({ arch: process.arch, bindings, core }));
