import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Why a package's binding did not load, in the words an npm user can act on:
 * this platform (as node-gyp-build names it), the prebuilds the package ships,
 * and — when none is for this platform — what a build from source needs that
 * this machine lacks, with the commands that install it.
 */
export interface AddonDiagnosis {
  /** e.g. 'linux-arm64 (glibc)', 'linux-x64 (musl)' */
  platform: string;
  /** the prebuilds the package ships, e.g. ['linux-arm (glibc)', 'linux-arm64 (glibc)', 'linux-x64 (glibc)'] */
  shipped: string[];
  /** whether one of them is for this platform (then it was there but did not load) */
  hasPrebuild: boolean;
  /** build tools not found on PATH (a C++ compiler, make, python3) */
  missingTools: string[];
  /** one sentence: what is wrong and how to fix it */
  hint: string;
}

/** The platform node-gyp-build looks for (it honours the same variables). */
export function addonPlatform(env: NodeJS.ProcessEnv = process.env): {
  platform: string;
  arch: string;
  libc: string;
} {
  const platform = env.npm_config_platform || process.platform;
  const arch = env.npm_config_arch || process.arch;
  const libc = env.LIBC || (existsSync('/etc/alpine-release') ? 'musl' : 'glibc');
  return { platform, arch, libc };
}

const onPath = (env: NodeJS.ProcessEnv, ...names: string[]): boolean =>
  (env.PATH ?? '').split(delimiter).some((d) => d !== '' && names.some((n) => existsSync(join(d, n))));

/**
 * @param packageRoot the installed package's folder
 * @param packageName e.g. '@dmabuf/exporter-drm'
 * @param buildDeps what this package's from-source build needs beyond a compiler (its README lists it)
 */
export function diagnoseAddon(
  packageRoot: string,
  packageName: string,
  buildDeps: { debian: string[]; alpine: string[] } = { debian: [], alpine: [] },
  env: NodeJS.ProcessEnv = process.env,
): AddonDiagnosis {
  const { platform, arch, libc } = addonPlatform(env);
  const here = `${platform}-${arch}`;
  const shipped: string[] = [];
  let hasPrebuild = false;
  let dirs: string[] = [];
  try {
    dirs = readdirSync(join(packageRoot, 'prebuilds')).sort();
  } catch {
    // no prebuilds/ at all: a from-source checkout, or a package packed without them
  }
  for (const d of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(join(packageRoot, 'prebuilds', d)).filter((f) => f.endsWith('.node'));
    } catch {
      continue;
    }
    for (const f of files) {
      const fileLibc = /\.(glibc|musl)\./.exec(f)?.[1];
      shipped.push(fileLibc ? `${d} (${fileLibc})` : d);
      // node-gyp-build matches <platform>-<arch> (or a +-joined list of arches) and the libc tag if any
      const arches = d.slice(d.indexOf('-') + 1).split('+');
      if (d.startsWith(`${platform}-`) && arches.includes(arch) && (!fileLibc || fileLibc === libc))
        hasPrebuild = true;
    }
  }
  const missingTools: string[] = [];
  if (!onPath(env, 'g++', 'c++', 'clang++')) missingTools.push('a C++ compiler (g++)');
  if (!onPath(env, 'make')) missingTools.push('make');
  if (!onPath(env, 'python3')) missingTools.push('python3');

  const name = `${here} (${libc})`;
  const list = shipped.length ? shipped.join(', ') : 'none';
  const debian = ['g++', 'make', 'python3', ...buildDeps.debian].join(' ');
  const alpine = ['g++', 'make', 'python3', 'linux-headers', ...buildDeps.alpine].join(' ');
  const rebuild = `npm rebuild ${packageName}`;
  let hint: string;
  if (hasPrebuild) {
    hint =
      `its prebuild for ${name} is there but did not load (see the cause); ` +
      `reinstall the package (npm install ${packageName}) or build it from source: ${rebuild}`;
  } else {
    const lacking = missingTools.length
      ? `; a build from source needs what this machine lacks: ${missingTools.join(', ')}`
      : '';
    hint =
      `${packageName} ships no prebuild for ${name} (it ships: ${list})${lacking}. ` +
      `Install the build tools (Debian/Ubuntu: apt-get install ${debian}; Alpine: apk add ${alpine}), ` +
      `then: ${rebuild}`;
  }
  return { platform: name, shipped, hasPrebuild, missingTools, hint };
}
