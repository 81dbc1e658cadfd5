/**
 * Every dependency-injection token of dmabuf-js, in one place. Plugins
 * register under these; the core resolves them. Use with explicit
 * `@inject(TOKENS.X)` / `@injectAll(TOKENS.X)` (decorator metadata is not
 * relied on).
 */
export const TOKENS = {
  /** An ExporterPlugin; register several with `registerInstance(TOKENS.Exporter, …)`. */
  Exporter: Symbol.for('dmabuf.Exporter'),
  /** The options the framework was created with. */
  FrameworkOptions: Symbol.for('dmabuf.FrameworkOptions'),
  /** The Framework instance of this container. */
  Framework: Symbol.for('dmabuf.Framework'),
  /** Where leak reports go: (report: LeakReport) => void. */
  LeakReporter: Symbol.for('dmabuf.LeakReporter'),
} as const;
