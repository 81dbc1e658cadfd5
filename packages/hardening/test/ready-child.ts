import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Start `node script ...args` and resolve once it prints `READY {json}`: the
 * child with the parsed JSON spread in. Rejects with its stderr if it exits
 * first (`who` names it in the message).
 */
export function startReadyChild<T extends object>(
  script: string,
  args: string[],
  who: string,
): Promise<T & { child: ChildProcess }> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      err += String(d);
    });
    child.stdout?.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) resolve({ child, ...(JSON.parse(line.slice('READY '.length)) as T) });
    });
    child.on('exit', (code, signal) => reject(new Error(`${who} exited ${code ?? signal}: ${err}`)));
  });
}
