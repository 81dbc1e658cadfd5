// The README's main command, `bash scripts/demo.sh [options]`: answer --help
// and --version and refuse a bad command line (exit 2) before anything is set
// up (a fresh clone is not built yet, so this imports nothing but node and the
// demo's option table); then set up what the demo needs (scripts/setup.sh
// demo: the build, and the virtual lab only when the demo runs there) and run
// it (apps/examples/dist/camera-to-display.js) with the same arguments.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { demoUsage, readDemoCommandLine } from '../apps/examples/src/camera-display/options.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);

/** @param {string} path @returns {string} */
const versionOf = (path) =>
  JSON.parse(readFileSync(new URL(`../${path}/package.json`, import.meta.url), 'utf8')).version;

/** Run a command here with the terminal; resolves its exit code (a signal counts as 128 + its number). */
function run(/** @type {string} */ file, /** @type {string[]} */ args) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: root, stdio: 'inherit' });
    // Ctrl-C reaches the child too (same process group): let it finish and report.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    const done = (/** @type {number} */ code) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(code);
    };
    child.on('error', (e) => {
      process.stderr.write(`demo: cannot run ${file}: ${e.message}\n`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? 128 + (signal === 'SIGINT' ? 2 : 15)));
  });
}

async function main() {
  let asked;
  try {
    asked = readDemoCommandLine(argv);
  } catch (e) {
    process.stderr.write(
      `demo: ${/** @type {Error} */ (e).message}\nRun 'bash scripts/demo.sh --help' for usage.\n`,
    );
    return 2;
  }
  if ('help' in asked) {
    process.stdout.write(
      `${demoUsage('bash scripts/demo.sh')}\n\n` +
        'The first run sets up what the demo needs (bash scripts/setup.sh demo): system packages, the build,\n' +
        'and the virtual lab only when the demo will run there (--lab, or no camera or display here).\n',
    );
    return 0;
  }
  if ('version' in asked) {
    process.stdout.write(`demo ${versionOf('apps/examples')} (@dmabuf/core ${versionOf('packages/core')})\n`);
    return 0;
  }
  const labFlags = argv.filter((a) => a === '--lab' || a === '--no-lab');
  const setup = await run('bash', ['scripts/setup.sh', 'demo', ...labFlags]);
  if (setup !== 0) {
    process.stderr.write(
      `demo: setup failed (exit ${setup}); the lines above say what to do. Nothing was run.\n`,
    );
    return 1;
  }
  return await run(process.execPath, ['apps/examples/dist/camera-to-display.js', ...argv]);
}

process.exitCode = await main();
