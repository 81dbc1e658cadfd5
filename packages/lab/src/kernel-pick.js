/** Choosing the kernel package: the newest linux-image-6.12.*-<amd64|arm64>-unsigned. */

/** @param {string} debArch */
const patternFor = (debArch) =>
  new RegExp(`^linux-image-(6\\.12\\.\\d+(?:\\+[A-Za-z0-9.~]+)?)-${debArch}-unsigned$`);

/** Compare dotted/dashed version strings numerically, part by part. @param {string} a @param {string} b */
export function compareVersions(a, b) {
  const pa = a.split(/[.+~-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.+~-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1;
    const y = pb[i] ?? -1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * @param {string[]} names package names (e.g. from `apt-cache pkgnames linux-image-6.12`)
 * @param {string} [debArch] Debian's arch name: amd64 (default) or arm64
 * @returns {{ pkg: string, kernelVersion: string } | null}
 */
export function pickKernelPackage(names, debArch = 'amd64') {
  const pattern = patternFor(debArch);
  const found = names
    .map((n) => n.trim())
    .map((n) => ({ n, version: pattern.exec(n)?.[1] }))
    .filter((x) => x.version)
    .map((x) => ({ pkg: x.n, kernelVersion: `${x.version}-${debArch}` }));
  found.sort((a, b) => compareVersions(b.kernelVersion, a.kernelVersion));
  return found[0] ?? null;
}
