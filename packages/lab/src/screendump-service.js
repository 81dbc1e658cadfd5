import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder (in the out share) where the guest asks for screendumps. */
export const screendumpDir = 'screendumps';
export const validName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Serve the guest's screendump requests: `<out>/screendumps/<name>.request`
 * → QMP screendump → `<name>.ppm`, `<name>.png`, then `<name>.done` (JSON).
 * @param {{ outDir: string, dump: (pngPath: string) => Promise<{ width: number, height: number }> }} o
 */
export function watchScreendumpRequests({ outDir, dump }) {
  const dir = join(outDir, screendumpDir);
  mkdirSync(dir, { recursive: true });
  const seen = new Set();
  let closed = false;
  let chain = Promise.resolve();

  /** @param {string} name */
  const serve = (name) => {
    chain = chain.then(async () => {
      let answer;
      try {
        const img = await dump(join(dir, `${name}.png`));
        answer = { ok: true, width: img.width, height: img.height, png: join(dir, `${name}.png`) };
      } catch (e) {
        answer = { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      rmSync(join(dir, `${name}.request`), { force: true });
      writeFileSync(join(dir, `${name}.done.tmp`), JSON.stringify(answer));
      renameSync(join(dir, `${name}.done.tmp`), join(dir, `${name}.done`));
      seen.delete(name);
    });
  };

  const scan = () => {
    if (closed || !existsSync(dir)) return;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.request')) continue;
      const name = f.slice(0, -'.request'.length);
      if (seen.has(name) || !validName.test(name)) continue;
      seen.add(name);
      serve(name);
    }
  };

  let watcher = null;
  try {
    watcher = watch(dir, () => scan());
  } catch {}
  const poll = setInterval(scan, 250); // inotify on a 9p-backed folder is reliable; the poll is the safety net
  return {
    close() {
      closed = true;
      watcher?.close();
      clearInterval(poll);
    },
  };
}
