// The source folders the repository's checks walk: <sub> of every package
// and app (packages/*/<sub>, apps/*/<sub>), in name order, for each sub asked.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every packages/NAME/SUB and apps/NAME/SUB folder that exists, for each SUB of `subs`. */
export function sourceDirs(subs) {
  const out = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      for (const sub of subs) {
        const dir = join(base, name, sub);
        if (existsSync(dir) && statSync(dir).isDirectory()) out.push(dir);
      }
    }
  }
  return out;
}
