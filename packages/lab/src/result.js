import { Writable } from 'node:stream';
import { LabError } from './errors.js';
import { runInLab } from './run.js';

/** The line prefix a guest program prints its result behind, as JSON. */
export const RESULT_PREFIX = 'RESULT ';

/**
 * Run a command in the lab (a benchmark's guest side, say), stream its output
 * here as it comes, and return the JSON it printed on its `RESULT {...}` line.
 * A non-zero exit or a missing/unparseable line is a LabError naming the
 * command and the console log.
 * @param {import('./run.js').RunOptions} opts
 * @returns {Promise<unknown>}
 */
export async function runForResult(opts) {
  const out = opts.stdout ?? process.stdout;
  let text = '';
  const tee = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      out.write(chunk);
      done();
    },
  });
  const r = await runInLab({ ...opts, stdout: tee });
  const what = opts.command.join(' ');
  if (r.exitCode !== 0) {
    throw new LabError(
      `${what} exited with ${r.exitCode} in the lab; its console log: ${r.runDir}/console.log`,
      {
        code: 'ELAB',
        exitCode: r.exitCode,
      },
    );
  }
  const line = text.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined)
    throw new LabError(`${what} printed no '${RESULT_PREFIX}{json}' line`, { code: 'ELAB' });
  try {
    return JSON.parse(line.slice(RESULT_PREFIX.length));
  } catch (e) {
    throw new LabError(`${what} printed a RESULT line that is not JSON`, { code: 'ELAB', cause: e });
  }
}
