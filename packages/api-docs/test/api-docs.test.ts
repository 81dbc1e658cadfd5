import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The API reference's check: TypeDoc over every published package with validation
// (notDocumented, notExported, invalidLink) and warnings as errors, no output written.
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
    warnings: `${r.stdout}${r.stderr}`.split('\n').filter((l) => !/\[info\]/.test(l)),
  };
}

describe('API reference (pnpm docs)', { timeout: 600_000 }, () => {
  it('every public export of every published package has a doc comment, every type it uses is exported, every link resolves', () => {
    const r = typedocRun('typedoc.json');
    expect(r.warnings.join('\n')).not.toMatch(/\[(warning|error)\]/);
    expect(r.status).toBe(0);
  });

  it('the check fails on an export without a doc comment, naming it', () => {
    const r = typedocRun('test/undocumented.typedoc.json');
    expect(r.status).not.toBe(0);
    const text = r.warnings.join('\n');
    expect(text).toMatch(/undocumentedExport .*does not have any documentation/);
    expect(text).not.toMatch(/\bdocumented \(/);
  });
});
