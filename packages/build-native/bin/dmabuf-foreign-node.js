#!/usr/bin/env node
import { foreignNode } from '../src/foreign-node.js';
// dmabuf-foreign-node ARCH: prints the path of a node binary for that Linux
// arch (arm64, arm, x64), taken once from the npm registry's node-linux-*
// package (npm pack, unpacked into ~/.cache/dmabuf-js/node/<pkg>-<version>)
// and kept there. The install test runs it under qemu-user to load the
// foreign-arch prebuilds. `dmabuf-foreign-node --all` fetches every arch but
// the host's.
import { crossTargets, prebuildTargets } from '../src/targets.js';

const arg = process.argv[2];
const targets = arg === '--all' ? crossTargets(process.arch) : prebuildTargets.filter((t) => t.arch === arg);
if (!targets.length) {
  console.error(`usage: dmabuf-foreign-node --all | ${prebuildTargets.map((t) => t.arch).join(' | ')}`);
  process.exit(2);
}
try {
  for (const t of targets) console.log(foreignNode(t, { log: (l) => console.error(l) }));
} catch (e) {
  console.error(`dmabuf-foreign-node: ${e.message}`);
  process.exit(1);
}
