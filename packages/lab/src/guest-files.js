import { driverFunctions, normalizeDriver } from './drivers.js';
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

export { normalizeDriver };

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
 * .lab/params.sh, sourced by /init: the settings, and the functions that load
 * the drivers (`lab_load`) and list the devices not there yet (`lab_missing`).
 * @param {{ drivers: string[], moduleOpts: Record<string, string>, modRoot: string, hugepages: number,
 *   ninepCache: string, archRoot?: boolean, absent?: string[] }} o `archRoot`: lay the `archroot` share
 *   over the host's root; `absent`: built-in drivers this kernel lacks
 */
export function paramsScript(o) {
  const load = o.drivers.filter((d) => d !== 'udmabuf' && d !== 'dma_heap');
  return [
    `DRIVERS=${shq(load.join(' '))}`,
    `MODROOT=${shq(o.modRoot)}`,
    `HUGEPAGES=${shq(String(o.hugepages))}`,
    `NINEP_CACHE=${shq(o.ninepCache)}`,
    `ARCHROOT=${o.archRoot ? '1' : ''}`,
    driverFunctions(o.drivers, (d) => o.moduleOpts[d] ?? '', o.absent),
  ].join('\n');
}
