/** Progress lines go to stderr so a command's stdout stays clean. @param {string} msg */
export function progress(msg) {
  if (process.env.DMABUF_LAB_QUIET === '1') return;
  process.stderr.write(`[dmabuf-lab] ${msg}\n`);
}
