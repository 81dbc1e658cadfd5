import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DmaBuf,
  exportSyncFile,
  Framework,
  importSyncFile,
  openFdCount,
  ReleasedError,
  SyncFile,
  SystemError,
  waitIdle,
} from '../src/index.js';
import { native } from '../src/native.js';
// a socket stands in for a sync_file (its poll acts alike); new SyncFile() refuses what is not one
import { trustedSyncFile } from '../src/sync-file.js';
import { memfdExporterPlugin, refusalOf } from '../src/testing/index.js';

function socketPair(): [number, number] {
  const p = native().unixSocketPair();
  if (typeof p === 'number') throw new Error(`socketpair: ${p}`);
  return p;
}

describe('sync_file fences', () => {
  let fw: Framework;
  let buf: DmaBuf;
  beforeAll(async () => {
    fw = await Framework.create({ plugins: [memfdExporterPlugin()] });
    buf = fw.export({ size: 16384 });
  });
  afterAll(async () => {
    buf.put();
    await fw.close();
  });

  it('exportSyncFile on a buffer that is not a kernel dma-buf is a typed ENOTTY error', () => {
    const before = openFdCount();
    for (const mode of ['read', 'write', 'readwrite'] as const) {
      const e = refusalOf(() => exportSyncFile(buf, mode), SystemError);
      expect(e).toMatchObject({
        code: 'ENOTTY',
        errno: 25,
        syscall: 'ioctl(DMA_BUF_IOCTL_EXPORT_SYNC_FILE)',
      });
      expect(e.hint).toMatch(/is not a kernel dma-buf/);
      expect(e.message).toContain(buf.label);
    }
    expect(openFdCount()).toBe(before);
  });

  it('importSyncFile on such a buffer is ENOTTY too, and the sync_file stays open', () => {
    const [a, b] = socketPair();
    using sf = trustedSyncFile(a);
    expect(() => importSyncFile(buf, sf, 'write')).toThrow(
      expect.objectContaining({ code: 'ENOTTY', hint: expect.stringMatching(/is not a kernel dma-buf/) }),
    );
    expect(sf.closed).toBe(false);
    native().close(b);
  });

  it('waitIdle on such a buffer says it is not a kernel dma-buf', async () => {
    for (const mode of ['read', 'write'] as const) {
      const err = await waitIdle(buf, mode, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SystemError);
      expect(err).toMatchObject({ code: 'EPERM', hint: expect.stringMatching(/is not a kernel dma-buf/) });
    }
  });

  it('SyncFile.wait resolves when the fd signals, times out and aborts with typed errors', async () => {
    const [a, b] = socketPair();
    const sf = trustedSyncFile(a);
    await expect(sf.wait({ timeoutMs: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const ac = new AbortController();
    const aborted = sf.wait({ signal: ac.signal });
    ac.abort('enough');
    await expect(aborted).rejects.toMatchObject({ code: 'ABORT_ERR', cause: 'enough' });
    const p = sf.wait({ timeoutMs: 2000 });
    native().sendMessage(b, 'signalled', []);
    await expect(p).resolves.toBeUndefined();
    sf.close();
    native().close(b);
  });

  it('a fence that signals with an error (POLLERR) rejects with EIO', async () => {
    // a socket whose peer closed with unread data has POLLERR set (ECONNRESET)
    const [a, b] = socketPair();
    native().sendMessage(a, 'unread', []);
    native().close(b);
    using sf = trustedSyncFile(a);
    await expect(sf.wait({ timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'EIO',
      message: expect.stringMatching(/signalled with an error/),
    });
  });

  it('close() closes the fd once; use after close is ReleasedError', () => {
    const before = openFdCount();
    const [a, b] = socketPair();
    const sf = trustedSyncFile(a);
    {
      using _scoped = sf;
    }
    expect(sf.closed).toBe(true);
    sf.close();
    expect(() => sf.fd).toThrow(ReleasedError);
    native().close(b);
    expect(openFdCount()).toBe(before);
  });

  it('bad arguments are typed errors', async () => {
    // @ts-expect-error wrong mode on purpose
    expect(() => exportSyncFile(buf, 'sideways')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // @ts-expect-error not a buffer on purpose
    expect(() => exportSyncFile({}, 'read')).toThrow(/Expected a DmaBuf/);
    // @ts-expect-error not a SyncFile on purpose
    expect(() => importSyncFile(buf, 3, 'read')).toThrow(/Expected a SyncFile/);
    expect(() => new SyncFile(-2)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    await expect(waitIdle(buf, 'read', { timeoutMs: Number.NaN })).rejects.toMatchObject({ code: 'EINVAL' });
    const gone = fw.export({ size: 4096 });
    gone.put();
    expect(() => exportSyncFile(gone, 'read')).toThrow(ReleasedError);
  });
});
