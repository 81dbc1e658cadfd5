import { connect } from 'node:net';

/**
 * A minimal QMP client: connect, negotiate capabilities, run commands one at a time.
 * @param {string} socketPath
 */
export async function openQmp(socketPath, timeoutMs = 10_000) {
  const sock = connect(socketPath);
  let buffer = '';
  /** @type {Array<(msg: any) => void>} */
  const waiting = [];
  /** @type {any[]} */
  const lines = [];
  /** @type {Error | null} */
  let failed = null;
  sock.setEncoding('utf8');
  sock.on('data', (d) => {
    buffer += d;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.event) continue;
      const w = waiting.shift();
      if (w) w(msg);
      else lines.push(msg);
    }
  });
  const closed = new Promise((resolve) => sock.on('close', resolve));
  sock.on('error', (e) => {
    failed = e;
    for (const w of waiting.splice(0)) w({ error: { desc: e.message } });
  });
  const next = () =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      if (lines.length) return resolve(lines.shift());
      const t = setTimeout(() => reject(new Error(`QMP: no answer in ${timeoutMs} ms`)), timeoutMs);
      waiting.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const greeting = await next();
  if (!greeting.QMP) throw new Error(`QMP: unexpected greeting ${JSON.stringify(greeting)}`);
  /** @param {string} execute @param {object} [args] */
  const command = async (execute, args) => {
    sock.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
    const reply = await next();
    if (reply.error) throw new Error(`QMP ${execute}: ${reply.error.desc ?? JSON.stringify(reply.error)}`);
    return reply.return;
  };
  await command('qmp_capabilities');
  return {
    command,
    close: async () => {
      sock.end();
      await closed;
    },
  };
}
