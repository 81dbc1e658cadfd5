import { guestOutDir } from './init-script.js';
import { shq } from './sh.js';

/** Host variables the guest command inherits unless the caller overrides them. */
export const passthroughEnv = [
  'PATH',
  'TERM',
  'LANG',
  'LC_ALL',
  'TZ',
  'CI',
  'FORCE_COLOR',
  'NO_COLOR',
  'COLUMNS',
  'LINES',
];

/** Default drivers: udmabuf and the system heap are built in; these are modules. */
export const defaultDrivers = ['vgem', 'vivid', 'virtio_gpu'];

/** Accept 'virtio-gpu' as well as 'virtio_gpu'; udmabuf/dma_heap are built in (checked, not loaded). */
export function normalizeDriver(name) {
  const n = name.trim().replaceAll('-', '_');
  if (n === 'dma_heap' || n === 'system_heap' || n === 'heap') return 'dma_heap';
  return n;
}

/**
 * The guest's environment for the command.
 * @param {Record<string,string|undefined>} hostEnv @param {Record<string,string>} extra
 */
export function guestEnv(hostEnv, extra) {
  /** @type {Record<string,string>} */
  const env = { HOME: '/root', USER: 'root', LANG: 'C.UTF-8' };
  for (const k of passthroughEnv) if (hostEnv[k] !== undefined) env[k] = String(hostEnv[k]);
  Object.assign(env, extra, { DMABUF_LAB: '1', DMABUF_LAB_OUT: guestOutDir });
  return env;
}

/**
 * .lab/cmd.sh: cd to the same absolute path as on the host, then exec the
 * command with exactly the given environment.
 * @param {{ argv: string[], cwd: string, env: Record<string,string> }} o
 */
export function commandScript({ argv, cwd, env }) {
  const assigns = Object.entries(env).map(([k, v]) => shq(`${k}=${v}`));
  return [
    '# written by dmabuf-lab',
    `cd ${shq(cwd)} || { echo "dmabuf-lab: no such directory in the guest: ${cwd}" >&2; exit 126; }`,
    `exec env -i ${assigns.join(' ')} ${argv.map(shq).join(' ')}`,
    '',
  ].join('\n');
}

/**
 * .lab/params.sh, read by /init.
 * @param {{ drivers: string[], vividOpts: string, modRoot: string, hugepages: number, ninepCache: string }} o
 */
export function paramsScript(o) {
  const load = o.drivers.filter((d) => d !== 'udmabuf' && d !== 'dma_heap');
  return [
    `DRIVERS=${shq(load.join(' '))}`,
    `VIVID_OPTS=${shq(o.vividOpts)}`,
    `MODROOT=${shq(o.modRoot)}`,
    `HUGEPAGES=${shq(String(o.hugepages))}`,
    `NINEP_CACHE=${shq(o.ninepCache)}`,
    '',
  ].join('\n');
}
