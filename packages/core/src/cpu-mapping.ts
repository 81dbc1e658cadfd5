import { invalidArgument, LifecycleError } from './errors.js';
import { detachMappingView, mappingView, munmapBuffer } from './mmap.js';
import type { CpuAccessMode } from './sg-table.js';

/** Hooks a CpuMapping / CpuAccess needs from its buffer. */
export interface CpuSyncTarget {
  readonly label: string;
  beginCpuAccess(mode: CpuAccessMode): void;
  endCpuAccess(mode: CpuAccessMode): void;
  forgetMapping(mapping: CpuMapping): void;
}

/**
 * Scope views are made a few at a time: right after a frame's copy has
 * flushed the caches, the first view made costs 13-15 µs and the next ones
 * made right after it 2-3 µs each (1080p RGBA, measured on the 2-core bench
 * host), so a batch of 4 costs a scope about 5 µs instead of 13. Views
 * waiting unused are bounded by SPARE_VIEW_BYTES per mapping: V8 counts each
 * view's length as external memory, and 64 MB more of it than at its last
 * full GC makes it start one (none wait for a buffer over 16 MiB).
 */
const VIEW_BATCH = 4;
const SPARE_VIEW_BYTES = 32 * 1024 * 1024;

/**
 * A CPU mapping of a buffer (mmap). Its ArrayBuffer is detached on unmap, so
 * a view kept past unmap throws a TypeError instead of touching freed memory.
 */
export class CpuMapping implements Disposable {
  readonly #target: CpuSyncTarget;
  readonly #buffer: ArrayBuffer;
  /** Mapped writable (PROT_WRITE): false for a read-only buffer. */
  readonly writable: boolean;
  #mapped = true;
  /** Set on a scope's view (see scopeView): the mapping it shares memory with. */
  readonly #parent: CpuMapping | undefined;
  /** This mapping's scope views not ended yet (made at the first: a scope's own view never has any). */
  #views: Set<CpuMapping> | undefined;
  /** Views made with the last one handed out, for the next scopes: never handed out yet, so nobody else holds them. */
  #spares: ArrayBuffer[] | undefined;

  /** @internal made by buf.mmap() / buf.cpuAccess() */
  constructor(target: CpuSyncTarget, buffer: ArrayBuffer, writable: boolean, parent?: CpuMapping) {
    this.#target = target;
    this.#buffer = buffer;
    this.writable = writable;
    this.#parent = parent;
  }

  /**
   * @internal For one CPU-access scope: a mapping over the same memory whose
   * unmap() only detaches its own ArrayBuffer, so the scope's views die with
   * it while this mapping (and its page tables) stays for the next scope.
   * undefined when the memory is not a native mapping (an exporter's own
   * mmap hook): map per scope then.
   */
  scopeView(): CpuMapping | undefined {
    this.#assertMapped();
    const ab = this.#spares?.pop() ?? this.#makeViews();
    if (ab === undefined) return undefined;
    const view = new CpuMapping(this.#target, ab, this.writable, this);
    this.#views ??= new Set();
    this.#views.add(view);
    return view;
  }

  /**
   * A view to hand out now, and up to VIEW_BATCH - 1 spares made with it
   * (see VIEW_BATCH); undefined when this is not a native mapping. Spares
   * are views like any other: unmap() detaches them.
   */
  #makeViews(): ArrayBuffer | undefined {
    const ab = mappingView(this.#buffer);
    if (ab === undefined) return undefined;
    const spares = Math.min(VIEW_BATCH, Math.floor(SPARE_VIEW_BYTES / ab.byteLength)) - 1;
    if (spares > 0) {
      this.#spares ??= [];
      for (let i = 0; i < spares; i++) {
        const v = mappingView(this.#buffer);
        if (v) this.#spares.push(v);
      }
    }
    return ab;
  }

  /** @internal scope views not ended yet. */
  get openViews(): number {
    return this.#views?.size ?? 0;
  }

  /** cpuAccess scopes open on this mapping (each may still make a view). */
  #scopes = 0;
  #viewable: boolean | undefined;

  /** @internal Whether scopeView() can make views of this mapping (a native mapping); found once. */
  get viewable(): boolean {
    if (this.#viewable === undefined) {
      const v = this.#mapped ? mappingView(this.#buffer) : undefined;
      if (v) detachMappingView(v);
      this.#viewable = v !== undefined;
    }
    return this.#viewable;
  }

  /** @internal cpuAccess scopes open on this mapping (the buffer keeps it for them). */
  get openScopes(): number {
    return this.#scopes;
  }

  /** @internal A cpuAccess scope opened (+1) or ended (-1) on this mapping. */
  countScope(delta: 1 | -1): void {
    this.#scopes += delta;
  }

  /** True until unmapped; after that the ArrayBuffer is detached and views of it are empty. */
  get mapped(): boolean {
    return this.#mapped;
  }

  /** The mapped memory; detached (length 0, throws on access) after unmap. */
  get arrayBuffer(): ArrayBuffer {
    return this.#buffer;
  }

  /** A byte view over the whole mapping. */
  get bytes(): Uint8Array {
    this.#assertMapped();
    return new Uint8Array(this.#buffer);
  }

  /** A scoped CPU access on this mapping: SYNC START now, SYNC END on dispose. */
  access(mode: CpuAccessMode): CpuAccess {
    this.#assertMapped();
    if (mode !== 'read' && !this.writable) {
      throw new LifecycleError(`${this.#target.label}: this mapping is read-only`, {
        code: 'EACCES',
        hint: "Map it writable (buf.mmap({ writable: true })) for 'write' access",
      });
    }
    return new CpuAccess(this.#target, this, mode, false);
  }

  /** Unmap: every view of `bytes` is detached (a stale view throws instead of touching freed memory). Refused (EINVAL) the second time. */
  unmap(): void {
    if (!this.#mapped) {
      throw new LifecycleError(`${this.#target.label}: mapping already unmapped`, {
        code: 'EINVAL',
        hint: 'Unmap each mapping once',
      });
    }
    this.#mapped = false;
    if (this.#parent) {
      this.#parent.#views?.delete(this);
      detachMappingView(this.#buffer);
      return;
    }
    // munmap detaches every view, spares included; they are ended with it
    if (this.#views) for (const v of this.#views) v.#mapped = false;
    this.#views = undefined;
    this.#spares = undefined;
    this.#target.forgetMapping(this);
    munmapBuffer(this.#buffer, { what: `${this.#target.label}: cannot unmap` });
  }

  /** `using`: unmap() when the scope ends, if not done already. */
  [Symbol.dispose](): void {
    if (this.#mapped) this.unmap();
  }

  #assertMapped(): void {
    if (!this.#mapped) {
      throw new LifecycleError(`${this.#target.label}: mapping was unmapped`, {
        code: 'EBADF',
        hint: 'Map the buffer again',
      });
    }
  }
}

/**
 * A scope of CPU access (libcamera's DmaSyncer): begun on creation (SYNC
 * START), ended on dispose (SYNC END). When the scope owns its mapping, the
 * mapping is unmapped at the end and every view of it is detached.
 */
export class CpuAccess implements Disposable {
  readonly #target: CpuSyncTarget;
  readonly #mapping: CpuMapping;
  readonly #ownsMapping: boolean;
  /** A buffer.cpuAccess() scope on the buffer's kept mapping: its views are made on demand and die with it. */
  readonly #viewPerScope: boolean;
  /** The scope's own view of the kept mapping, made at the first bytes / arrayBuffer. */
  #view: CpuMapping | undefined;
  /** What this scope announced to the exporter: 'read', 'write' or 'readwrite'. */
  readonly mode: CpuAccessMode;
  #open = true;

  /** @internal made by buf.cpuAccess() / mapping.access() */
  constructor(
    target: CpuSyncTarget,
    mapping: CpuMapping,
    mode: CpuAccessMode,
    ownsMapping: boolean,
    viewPerScope = false,
  ) {
    this.#target = target;
    this.#mapping = mapping;
    this.mode = mode;
    this.#ownsMapping = ownsMapping;
    this.#viewPerScope = viewPerScope;
    if (viewPerScope) mapping.countScope(1);
    try {
      target.beginCpuAccess(mode);
    } catch (e) {
      this.#release();
      throw e;
    }
  }

  /** True until the scope ends (dispose or end()); then bytes and arrayBuffer throw. */
  get open(): boolean {
    return this.#open;
  }

  /** The buffer's bytes for this scope. */
  get bytes(): Uint8Array {
    this.#assertOpen();
    return this.#memory().bytes;
  }

  /**
   * The mapping's ArrayBuffer. Unlike bytes it is not checked against the
   * scope: use it only while `open` (after end() it is detached, or empty,
   * if the scope had its own view or mapping, else it is the buffer's kept
   * mapping, outside any sync).
   */
  get arrayBuffer(): ArrayBuffer {
    if (!this.#open && this.#viewPerScope && !this.#view) return new ArrayBuffer(0);
    return this.#memory().arrayBuffer;
  }

  /**
   * Copy `source` (a TypedArray, DataView or ArrayBuffer) into the buffer at
   * byte `offset` (default 0), in this scope. Unlike `bytes.set(...)` it makes
   * no view: a buf.cpuAccess() scope makes its view (an ArrayBuffer the scope
   * detaches at its end) only when bytes or arrayBuffer is read, and that
   * view costs more than the scope's two syncs (see the README). Refused on a
   * 'read' scope (EACCES), after the scope ended (EBADF), and when the bytes
   * do not fit (EINVAL).
   */
  write(source: ArrayBufferView | ArrayBuffer, offset = 0): void {
    this.#assertOpen();
    if (this.mode === 'read') {
      throw new LifecycleError(`${this.#target.label}: this CPU access was opened for 'read'`, {
        code: 'EACCES',
        hint: "Open the scope with 'write' or 'readwrite' to write into the buffer",
      });
    }
    const bytes = ArrayBuffer.isView(source)
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : undefined;
    if (!bytes) throw invalidArgument('source', 'a TypedArray, DataView or ArrayBuffer', source);
    // the memory the scope's views would show, without making one
    const memory = this.#mapping.bytes;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > memory.length)
      throw invalidArgument('offset', `an integer from 0 to ${memory.length}`, offset);
    if (bytes.length > memory.length - offset) {
      throw invalidArgument(
        'source',
        `at most ${memory.length - offset} bytes (the buffer's ${memory.length} from offset ${offset})`,
        `${bytes.length} bytes`,
        'Write a smaller source or at a smaller offset',
      );
    }
    memory.set(bytes, offset);
  }

  /** End the access: DMA_BUF_IOCTL_SYNC END, then unmap (every view of the scope is detached). Once; later calls do nothing. */
  end(): void {
    if (!this.#open) return;
    this.#open = false;
    // The buffer was put or its framework closed: that unmapped the mapping
    // and ended every access already; nothing is left for this scope to end.
    if ((this.#ownsMapping || this.#viewPerScope) && !this.#mapping.mapped) return;
    try {
      this.#target.endCpuAccess(this.mode);
    } finally {
      this.#release();
    }
  }

  /** `using`: end() when the scope ends. */
  [Symbol.dispose](): void {
    this.end();
  }

  #assertOpen(): void {
    if (!this.#open) {
      throw new LifecycleError(`${this.#target.label}: CPU access already ended`, {
        code: 'EBADF',
        hint: 'Start a new cpuAccess() scope',
      });
    }
  }

  /** The mapping the scope hands out: its own view of the kept mapping (made now if not yet), or its mapping. */
  #memory(): CpuMapping {
    if (!this.#viewPerScope) return this.#mapping;
    this.#view ??= this.#mapping.scopeView();
    if (!this.#view) {
      throw new LifecycleError(`${this.#target.label}: no view of the buffer's mapping could be made`, {
        code: 'EINVAL',
        hint: 'Map the buffer with buf.mmap() and use mapping.access()',
      });
    }
    return this.#view;
  }

  #release(): void {
    if (this.#viewPerScope) {
      if (this.#view?.mapped) this.#view.unmap();
      this.#mapping.countScope(-1);
    } else if (this.#ownsMapping) {
      this.#mapping.unmap();
    }
  }
}
