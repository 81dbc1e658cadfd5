import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type DependencyContainer,
  DmaBufError,
  type DmaBufPlugin,
  ExporterRegistry,
  Framework,
  foreignExporter,
  inject,
  injectable,
  PluginError,
  TOKENS,
} from '../src/index.js';
import { MemfdExporter, memfdExporterPlugin } from '../src/testing/index.js';

const CONFIG = Symbol('test.config');

@injectable()
class ConfiguredExporter extends MemfdExporter {
  override readonly name = 'configured';
  constructor(@inject(CONFIG) readonly config: { tag: string }) {
    super();
  }
}

describe('plugins and DI', () => {
  it('a plugin registers an exporter built by the container with explicit @inject', async () => {
    const plugin: DmaBufPlugin = {
      name: 'configured-plugin',
      register(c: DependencyContainer) {
        c.registerInstance(CONFIG, { tag: 'from-di' });
        c.registerInstance(TOKENS.Exporter, c.resolve(ConfiguredExporter));
      },
    };
    await using fw = await Framework.create({ plugins: [plugin, memfdExporterPlugin()] });
    const e = fw.exporters.byName('configured') as ConfiguredExporter;
    expect(e.config.tag).toBe('from-di');
    expect(
      fw.exporters
        .list()
        .map((x) => x.name)
        .sort(),
    ).toEqual(['configured', 'memfd-test']);
    expect(fw.container.resolve(TOKENS.Framework)).toBe(fw);
  });

  it('each framework has its own child container', async () => {
    await using a = await Framework.create({ plugins: [memfdExporterPlugin()] });
    await using b = await Framework.create({});
    expect(a.container).not.toBe(b.container);
    expect(b.exporters.list()).toHaveLength(0);
    expect(() => b.export({ size: 4096 })).toThrow(/Register an exporter plugin/);
    expect(() => a.export({ exporter: 'nope', size: 4096 })).toThrow(/one of 'memfd-test'/);
  });

  it('exporters can be passed directly; duplicate names are refused', async () => {
    await using fw = await Framework.create({ exporters: [new MemfdExporter()] });
    expect(fw.exporters.byName('memfd-test')).toBeInstanceOf(MemfdExporter);
    await expect(Framework.create({ exporters: [new MemfdExporter(), new MemfdExporter()] })).rejects.toThrow(
      /Expected a name no other exporter has for exporters\[\d\]\.name but received 'memfd-test'/,
    );
  });

  it('register/initialize failures are PluginErrors naming the plugin; started plugins are shut down', async () => {
    const log: string[] = [];
    const good: DmaBufPlugin = {
      name: 'good',
      register() {},
      initialize: () => void log.push('init good'),
      shutdown: () => void log.push('shutdown good'),
    };
    const bad: DmaBufPlugin = {
      name: 'bad',
      register() {},
      initialize: async () => {
        throw new Error('no device');
      },
    };
    const err = await Framework.create({ plugins: [good, bad] }).catch((e) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err.message).toBe('bad: initialize failed: no device');
    expect(err.cause.message).toBe('no device');
    expect(log).toEqual(['init good', 'shutdown good']);
    const err2 = await Framework.create({
      plugins: [
        {
          name: 'broken',
          register: () => {
            throw new TypeError('oops');
          },
        },
      ],
    }).catch((e) => e);
    expect(err2).toBeInstanceOf(PluginError);
    expect(err2.plugin).toBe('broken');
  });

  it("a hook's failure carries the cause's code, errno, syscall and hint at the top level; the message names plugin and hook", async () => {
    const refusing = (cause: unknown): DmaBufPlugin => ({
      name: 'refusing',
      register() {},
      initialize: () => {
        throw cause;
      },
    });
    const typed = new DmaBufError('cannot open /dev/widget', {
      code: 'ENODEV',
      errno: 19,
      syscall: 'open',
      hint: 'Load the widget driver (modprobe widget)',
    });
    const err = await Framework.create({ plugins: [refusing(typed)] }).catch((e) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({
      plugin: 'refusing',
      hook: 'initialize',
      code: 'ENODEV',
      errno: 19,
      syscall: 'open',
      hint: 'Load the widget driver (modprobe widget)',
      cause: typed,
    });
    // the hint once, at the end: the message is the cause's, prefixed with plugin and hook
    expect(err.message).toBe(
      'refusing: initialize failed: cannot open /dev/widget. Load the widget driver (modprobe widget)',
    );

    let fsError: unknown;
    try {
      readFileSync('/nonexistent/dmabuf-plugin-config');
    } catch (e) {
      fsError = e;
    }
    const fromNode = await Framework.create({ plugins: [refusing(fsError)] }).catch((e) => e);
    expect(fromNode).toMatchObject({ code: 'ENOENT', errno: 2, syscall: 'open', hint: undefined });
    expect(fromNode.message).toMatch(/^refusing: initialize failed: ENOENT: no such file or directory/);

    const plain = await Framework.create({ plugins: [refusing(new Error('odd'))] }).catch((e) => e);
    expect(plain).toMatchObject({ code: 'EPLUGIN', errno: undefined, syscall: undefined, hint: undefined });
  });

  it('close runs plugin shutdown in reverse order and disposes the container', async () => {
    const log: string[] = [];
    const p = (n: string): DmaBufPlugin => ({ name: n, register() {}, shutdown: () => void log.push(n) });
    const fw = await Framework.create({ plugins: [p('first'), p('second')] });
    await fw.close();
    await fw.close();
    expect(log).toEqual(['second', 'first']);
  });

  it('the registry matches received fds by matcher, then exp_name, then the foreign adopter', () => {
    const memfd = new MemfdExporter();
    const udma = { ...foreignExporter, name: 'udmabuf', expNames: ['udmabuf'] };
    const reg = new ExporterRegistry([foreignExporter, memfd, udma]);
    expect(reg.match({ fd: 3, flags: 0, link: '/memfd:dmabuf-test (deleted)' })).toBe(memfd);
    expect(reg.match({ fd: 3, flags: 0, link: 'anon_inode:dmabuf', expName: 'udmabuf' })).toBe(udma);
    expect(reg.match({ fd: 3, flags: 0, link: 'anon_inode:dmabuf', expName: 'vivid' })).toBe(foreignExporter);
    expect(() => reg.match({ fd: 3, flags: 0, link: '/etc/passwd' })).toThrow(/is not a dma-buf/);
  });
});
