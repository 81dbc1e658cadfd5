import { mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BufferChannel,
  closeFd,
  createMemfd,
  DmaBufError,
  Framework,
  linearLayout,
  openFdCount,
  readFdInfo,
} from '@dmabuf/core';
import { memfdExporterPlugin } from '@dmabuf/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 15, permissions: what a peer can do with what it is given.
const MEMFD = 'dmabuf-test'; // the memfd test exporter adopts memfds of this name
let fw: Framework;
let dir: string;
let before: number;
beforeAll(async () => {
  before = openFdCount();
  fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
  dir = mkdtempSync(join(tmpdir(), 'perm-'));
});
afterAll(async () => {
  await fw.close();
  rmSync(dir, { recursive: true, force: true });
  expect(openFdCount()).toBe(before);
});

describe('a read-only buffer stays read-only at the receiver', () => {
  it('sent read-only over a channel: the receiver maps it for reading, a writable map is EACCES', async () => {
    const rw = createMemfd(MEMFD, 8192);
    const ro = openSync(`/proc/self/fd/${rw}`, 'r'); // O_RDONLY, the same memory
    // the receiving side has a framework of its own, as another process would
    await using fw2 = await Framework.create({ plugins: [memfdExporterPlugin()] });
    const [a, b] = BufferChannel.pair({ framework: fw2 });
    try {
      using sent = fw.get(ro, linearLayout(8192));
      await a.send(sent);
      const msg = await b.receive({ timeoutMs: 5000 });
      if (!('buffer' in msg)) throw new Error('expected a buffer message');
      using got = msg.buffer;
      expect(got).not.toBe(sent);
      const O_ACCMODE = 3;
      expect(readFdInfo(got.borrowFd()).flags & O_ACCMODE).toBe(0); // O_RDONLY kept across the socket
      {
        using r = got.cpuAccess('read');
        expect(r.bytes.length).toBe(8192);
      }
      for (const attempt of [() => got.mmap({ writable: true }), () => got.cpuAccess('write')]) {
        let err: unknown;
        try {
          attempt();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DmaBufError);
        expect(err).toMatchObject({ code: 'EACCES' });
      }
    } finally {
      a.close();
      b.close();
      closeFd(ro);
      closeFd(rw);
    }
  });
});

describe('the channel socket file', () => {
  it('is created mode 0600 unless asked otherwise', async () => {
    const path = join(dir, 'default.sock');
    {
      await using server = BufferChannel.listen(path, { framework: fw });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(server).toBeDefined();
    }
    const shared = join(dir, 'shared.sock');
    {
      await using _server = BufferChannel.listen(shared, { framework: fw, mode: 0o660 });
      expect(statSync(shared).mode & 0o777).toBe(0o660);
    }
    expect(() => BufferChannel.listen(join(dir, 'bad.sock'), { framework: fw, mode: 0o1777 })).toThrow(
      /Expected permission bits .* for options.mode/,
    );
  });
});
