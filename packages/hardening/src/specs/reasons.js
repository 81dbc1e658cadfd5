// Why an export is treated as it is: shared by the specs.

export const ERROR_CLASS = {
  lenient: 'an error class: it builds an error from whatever it is given, and never throws',
};
export const PREDICATE = { lenient: 'a predicate: false for anything that is not one' };
export const LOOKUP = { lenient: 'a lookup: undefined (or []) for anything the table does not know' };
export const FACTORY = { lenient: 'builds an error to throw: any message, never refuses' };
export const VITEST =
  'defines vitest suites: callable only while vitest collects tests (every contract or lab suite calls it)';

/**
 * Plugins made for their methods and closed at the end (an exporter keeps its device open once
 * used): a spec's setup and teardown, and the `make` that records what it made.
 * @param {() => { close(): void }} create
 */
export function closedAtEnd(create) {
  return {
    setup: async () => ({ made: [] }),
    /** @param {{ made: { close(): void }[] }} ctx */
    teardown: (ctx) => {
      for (const e of ctx.made) e.close();
    },
    /** @param {{ made: { close(): void }[] }} ctx */
    make: (ctx) => {
      const e = create();
      ctx.made.push(e);
      return e;
    },
  };
}
