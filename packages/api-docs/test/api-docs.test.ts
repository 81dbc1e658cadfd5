import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The API reference's check: TypeDoc over every published package with validation
// (notDocumented, notExported, invalidLink), no output written. Exports and methods
// must all be documented. Properties and accessors too, except those listed in
// undocumented-members.txt: a ratchet, so a new undocumented member fails, and
// so does a listed one that got its doc comment (take it off the list).
const root = fileURLToPath(new URL('..', import.meta.url));
const typedoc = fileURLToPath(new URL('../node_modules/typedoc/bin/typedoc', import.meta.url));
const BASELINE = new URL('../undocumented-members.txt', import.meta.url);
const MEMBER =
  /^\[warning\] (.+) \((Property|Accessor|GetSignature|SetSignature)\), defined in .* does not have any documentation$/;

function typedocRun(options: string) {
  const r = spawnSync(process.execPath, [typedoc, '--options', options, '--emit', 'none'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return {
    status: r.status,
    warnings: `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() && !/\[info\]/.test(l)),
  };
}

/** The members listed as not documented yet, one full name per line (# comments). */
function baseline(): Set<string> {
  return new Set(
    readFileSync(BASELINE, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

describe('API reference (pnpm docs)', { timeout: 900_000 }, () => {
  it('every public export, method, property and accessor has a doc comment (members: beyond the baseline), every type it uses is exported, every link resolves', () => {
    const r = typedocRun('members.typedoc.json');
    const listed = baseline();
    const members = r.warnings.map((l) => MEMBER.exec(l)?.[1]).filter((n): n is string => n !== undefined);
    const other = r.warnings.filter(
      (l) => !MEMBER.test(l) && !/Found 0 errors and \d+ warnings/.test(l) && /\[(warning|error)\]/.test(l),
    );
    expect(other.join('\n')).toBe('');
    const fresh = members.filter((n) => !listed.has(n));
    expect(fresh, 'these members have no doc comment: document them').toEqual([]);
    const documented = [...listed].filter((n) => !members.includes(n));
    expect(
      documented,
      'these members are documented (or gone): take them off undocumented-members.txt',
    ).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('the check fails on an export, a property or a getter without a doc comment, naming each', () => {
    const r = typedocRun('test/undocumented.typedoc.json');
    const text = r.warnings.join('\n');
    expect(text).toMatch(/undocumentedExport .*does not have any documentation/);
    expect(text).toMatch(/Shape\.undocumentedProperty \(Property\).*does not have any documentation/);
    expect(text).toMatch(/Box\.undocumentedGetter \(\w+\).*does not have any documentation/);
    expect(text).not.toMatch(/\bdocumented \(|Shape\.width|\bShape \(|\bBox \(/);
  });
});
