#!/usr/bin/env node
// Keeps sources readable in one sitting: no file in a package's or app's
// src/ or native/ (TypeScript, JavaScript, C, C++) over 400 lines, no class
// over 300 (TypeScript and JavaScript; found with the TypeScript parser). Prints the largest of each and every one over
// the limit (a class counted from `class` to its closing brace); exit 1 when
// there is one.
// Usage: node scripts/check-sizes.mjs [src-dir...] (default: every packages/*/{src,native}, apps/*/src)
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { root, sourceDirs } from './source-dirs.mjs';

const ts = createRequire(join(root, 'packages/core/package.json'))('typescript');
const MAX_FILE = 400;
const MAX_CLASS = 300;

function sources(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'build') sources(p, out);
    else if (/\.(ts|mts|js|mjs|c|cc|h)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function classes(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out = [];
  const visit = (node) => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const first = sf.getLineAndCharacterOfPosition(node.getFullStart() + node.getLeadingTriviaWidth()).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ name: node.name?.text ?? '(anonymous)', lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const files = [];
const classList = [];
const dirs =
  process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : sourceDirs(['src', 'native']);
for (const src of dirs) {
  for (const file of sources(src)) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(root, file);
    files.push({ rel, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) });
    if (/\.(c|cc|h)$/.test(file)) continue;
    for (const c of classes(file, text)) classList.push({ rel: `${rel} ${c.name}`, lines: c.lines });
  }
}

let failed = false;
function report(kind, list, max) {
  list.sort((a, b) => b.lines - a.lines);
  const over = list.filter((x) => x.lines > max);
  const top = list[0];
  console.log(
    `${list.length} ${kind === 'class' ? 'classes' : 'files'}, largest ${top ? `${top.rel} (${top.lines} lines)` : 'none'}; limit ${max}`,
  );
  for (const x of over) console.error(`over the limit: ${x.rel}: ${x.lines} lines (limit ${max})`);
  if (over.length) failed = true;
}
report('file', files, MAX_FILE);
report('class', classList, MAX_CLASS);
if (failed) {
  console.error('Split what is over the limit into files (or classes) named after the one thing each holds.');
  process.exit(1);
}
