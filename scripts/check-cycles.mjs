#!/usr/bin/env node
// Proves there is no import circle among the TypeScript sources of each
// package (packages/*/src, apps/*/src): walks every relative import and
// export ... from (type-only ones too: a circle of types is still a circle
// a reader has to hold in their head), finds the strongly connected
// components of the graph (Tarjan), and prints each circle with its files.
// Exit 1 when there is one. Usage: node scripts/check-cycles.mjs [dir...]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { root, sourceDirs } from './source-dirs.mjs';

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|mts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// import x from '…' / import type {…} from '…' / export {…} from '…' / export * from '…' / import('…') / import '…'
const SPEC =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function graphOf(files) {
  const g = new Map(files.map((f) => [f, new Set()]));
  for (const f of files) {
    const text = stripComments(readFileSync(f, 'utf8'));
    for (const m of text.matchAll(SPEC)) {
      const target = resolveImport(f, m[1] ?? m[2]);
      if (target && g.has(target) && target !== f) g.get(f).add(target);
    }
  }
  return g;
}

function stronglyConnected(g) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc);
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** One circle through the component, as a readable path a → b → … → a. */
function circleIn(g, scc) {
  const inScc = new Set(scc);
  const start = [...scc].sort()[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of g.get(v)) {
      if (!inScc.has(w)) continue;
      if (w === start) {
        const path = [];
        for (let x = v; x !== null; x = prev.get(x)) path.unshift(x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return scc;
}

const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : sourceDirs(['src']);
let circles = 0;
let fileCount = 0;
for (const dir of dirs) {
  const files = walk(dir);
  fileCount += files.length;
  const g = graphOf(files);
  for (const scc of stronglyConnected(g)) {
    circles++;
    const rel = (f) => relative(root, f);
    console.error(`import circle in ${relative(root, dir)} (${scc.length} files):`);
    console.error(`  ${circleIn(g, scc).map(rel).join('\n    → ')}`);
  }
}
if (circles) {
  console.error(
    `${circles} import circle(s): break each by moving what both sides need into a module of its own, or by typing one side against an interface`,
  );
  process.exit(1);
}
console.log(`no import circles: ${fileCount} files in ${dirs.length} source folder(s)`);
