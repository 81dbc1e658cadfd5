/**
 * A tiny writer for the "newc" cpio format the kernel unpacks as an initramfs.
 * Entries: { name, mode, data?, rdev? } with mode including the file type bits.
 */

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** @typedef {{ name: string, mode: number, data?: Buffer, rdev?: [number, number] }} CpioEntry */

export const cpioEntry = {
  /** @param {string} name @returns {CpioEntry} */
  dir: (name, perm = 0o755) => ({ name, mode: S_IFDIR | perm }),
  /** @param {string} name @param {string | Uint8Array} data @returns {CpioEntry} */
  file: (name, data, perm = 0o644) => ({ name, mode: S_IFREG | perm, data: Buffer.from(data) }),
  /** @param {string} name @param {string} target @returns {CpioEntry} */
  symlink: (name, target) => ({ name, mode: S_IFLNK | 0o777, data: Buffer.from(target) }),
  /** @param {string} name @param {number} major @param {number} minor @returns {CpioEntry} */
  chardev: (name, major, minor, perm = 0o600) => ({ name, mode: S_IFCHR | perm, rdev: [major, minor] }),
};

/** @param {number} n */
const pad4 = (n) => (4 - (n % 4)) % 4;
/** @param {number} n */
const hex8 = (n) => n.toString(16).padStart(8, '0');

/** @param {CpioEntry[]} entries */
export function writeCpio(entries) {
  const parts = [];
  let ino = 1;
  const all = [...entries, { name: 'TRAILER!!!', mode: 0, data: Buffer.alloc(0) }];
  for (const e of all) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name.replace(/^\/+/, '')}\0`);
    const fields = [
      e.name === 'TRAILER!!!' ? 0 : ino++,
      e.mode,
      0, // uid
      0, // gid
      (e.mode & 0o170000) === S_IFDIR ? 2 : 1,
      0, // mtime: reproducible
      data.length,
      0,
      0,
      e.rdev?.[0] ?? 0,
      e.rdev?.[1] ?? 0,
      name.length,
      0,
    ];
    const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
    parts.push(header, name, Buffer.alloc(pad4(header.length + name.length)));
    parts.push(data, Buffer.alloc(pad4(data.length)));
  }
  return Buffer.concat(parts);
}
