import { describe, expect, it } from 'vitest';
import { listToDeb822 } from '../src/apt.js';
import { deriveBackportsEntry, hasSuite, parseDeb822 } from '../src/apt-sources.js';
import { compareVersions, pickKernelPackage } from '../src/kernel-pick.js';

const debianSources = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe('bookworm-backports sources entry', () => {
  it('is derived from the main archive entry with the same URIs and Signed-By', () => {
    expect(deriveBackportsEntry(debianSources)).toBe(
      'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\n' +
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    );
  });

  it('is not derived from the security archive, and null without a main entry', () => {
    expect(deriveBackportsEntry(debianSources.split('\n\n')[1]!)).toBeNull();
  });

  it('detects an existing backports suite, in deb822 and one-line form', () => {
    expect(hasSuite(debianSources)).toBe(false);
    expect(hasSuite(`${debianSources}\n${deriveBackportsEntry(debianSources)}`)).toBe(true);
    expect(
      hasSuite(listToDeb822('deb [arch=amd64] http://deb.debian.org/debian bookworm-backports main\n')),
    ).toBe(true);
  });

  it('parses comments and continuation lines', () => {
    const [s] = parseDeb822('Types: deb\n# note\nSigned-By:\n -----BEGIN PGP\n .\n');
    expect(s!['Signed-By']).toBe('\n-----BEGIN PGP\n.');
  });
});

describe('kernel package choice', () => {
  const names = [
    'linux-image-6.12-amd64',
    'linux-image-6.12.95+deb12-amd64-unsigned',
    'linux-image-6.12.117+deb12-rt-amd64-unsigned',
    'linux-image-6.12.117+deb12-cloud-amd64-unsigned',
    'linux-image-6.12.111+deb12-amd64-unsigned',
    'linux-image-6.12.117+deb12-amd64-dbg',
    'linux-image-6.12.113+deb12-amd64-unsigned',
  ];

  it('picks the newest generic amd64 unsigned image, not rt/cloud/dbg', () => {
    expect(pickKernelPackage(names)).toEqual({
      pkg: 'linux-image-6.12.113+deb12-amd64-unsigned',
      kernelVersion: '6.12.113+deb12-amd64',
    });
  });

  it('compares versions numerically', () => {
    expect(compareVersions('6.12.95+deb12', '6.12.113+deb12')).toBeLessThan(0);
    expect(pickKernelPackage(['linux-image-6.1.0-30-amd64-unsigned'])).toBeNull();
  });
});
