/**
 * deb822 handling: derive a bookworm-backports entry from the machine's own
 * debian.sources (same URIs and Signed-By), so the lab fetches from the same
 * mirror the machine already trusts.
 */

/** @param {string} text deb822 text @returns {Array<Record<string,string>>} */
export function parseDeb822(text) {
  const stanzas = [];
  for (const block of text.split(/\n\s*\n/)) {
    /** @type {Record<string,string>} */
    const fields = {};
    let last = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last) {
        fields[last] += `\n${line.trim()}`;
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m?.[1]) {
        last = m[1];
        fields[last] = m[2] ?? '';
      }
    }
    if (Object.keys(fields).length) stanzas.push(fields);
  }
  return stanzas;
}

/**
 * @param {string} sourcesText contents of /etc/apt/sources.list.d/debian.sources
 * @param {string} [suite]
 * @returns {string|null} a deb822 stanza for the backports suite, or null when
 *   there is no Debian main-archive entry to derive it from
 */
export function deriveBackportsEntry(sourcesText, suite = 'bookworm-backports') {
  const base = suite.split('-')[0] ?? suite;
  const stanza = parseDeb822(sourcesText).find(
    (s) => (s.Types ?? '').split(/\s+/).includes('deb') && (s.Suites ?? '').split(/\s+/).includes(base),
  );
  if (!stanza) return null;
  const lines = [
    'Types: deb',
    `URIs: ${stanza.URIs}`,
    `Suites: ${suite}`,
    `Components: ${stanza.Components ?? 'main'}`,
  ];
  if (stanza['Signed-By']) lines.push(`Signed-By: ${stanza['Signed-By']}`);
  return `${lines.join('\n')}\n`;
}

/** @param {string} sourcesText @param {string} [suite] */
export function hasSuite(sourcesText, suite = 'bookworm-backports') {
  return parseDeb822(sourcesText).some((s) => (s.Suites ?? '').split(/\s+/).includes(suite));
}
