import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The API reference's check: TypeDoc over every published package with the
// options `pnpm run docs` builds the site with (validation: notDocumented,
// notExported, invalidLink; every export, method, property and accessor must
// have a doc comment; warnings are errors), no output written.
const root = fileURLToPath(new URL('..', import.meta.url));
const typedoc = fileURLToPath(new URL('../node_modules/typedoc/bin/typedoc', import.meta.url));

function typedocRun(options: string) {
  const r = spawnSync(process.execPath, [typedoc, '--options', options, '--emit', 'none'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return {
    status: r.status,
    problems: `${r.stdout}${r.stderr}`.split('\n').filter((l) => /\[(warning|error)\]/.test(l)),
  };
}

describe('API reference (pnpm run docs)', { timeout: 900_000 }, () => {
  it('every public export, method, property and accessor has a doc comment, every type it uses is exported, every link resolves', () => {
    const r = typedocRun('typedoc.json');
    expect(r.problems.join('\n')).toBe('');
    expect(r.status).toBe(0);
  });

  it('the check fails on an export, a property or a getter without a doc comment, naming each', () => {
    const r = typedocRun('test/undocumented.typedoc.json');
    expect(r.status).not.toBe(0);
    const text = r.problems.join('\n');
    expect(text).toMatch(/undocumentedExport .*does not have any documentation/);
    expect(text).toMatch(/Shape\.undocumentedProperty \(Property\).*does not have any documentation/);
    expect(text).toMatch(/Box\.undocumentedGetter \(\w+\).*does not have any documentation/);
    expect(text).not.toMatch(/\bdocumented \(|Shape\.width|\bShape \(|\bBox \(/);
  });
});
