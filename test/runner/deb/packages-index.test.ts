import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { dependencies, indexPath, parseIndex, stanzaField } from '../../../src/runner/deb/packages-index';

const PACKAGES = `Package: openssh-client
Source: openssh
Version: 1:9.2p1-2+deb12u3
Installed-Size: 4187
Maintainer: Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>
Architecture: amd64
Replaces: ssh, ssh-krb5
Provides: rsh-client, ssh-client
Depends: adduser, passwd, libc6 (>= 2.36), libedit2 (>= 2.11-20080614-4),
 libfido2-1 (>= 1.8.0), libgssapi-krb5-2 (>= 1.17), libselinux1 (>= 3.1~)
Pre-Depends: init-system-helpers (>= 1.54~)
Recommends: xauth
Description: secure shell (SSH) client, for secure access to remote machines
 This is the portable version of OpenSSH.
Multi-Arch: foreign
Priority: standard
Section: net

Package: libssl3t64
Version: 3.0.13-1
Architecture: arm64
Provides: libssl3 (= 3.0.13-1)
Depends: libc6 (>= 2.34)

Package: broken-stanza-without-version
Architecture: all

Package: tzdata
Version: 2024a-0+deb12u1
Architecture: all
Provides: tzdata-bookworm
`;

describe('parseIndex', () => {
  test('GIVEN a Packages file WHEN parsed THEN each complete stanza is an entry with its source, component, key and Provides', () => {
    const entries = parseIndex(PACKAGES, 2, 'updates/main');
    expect(entries.map(e => e.key)).toEqual(['openssh-client 1:9.2p1-2+deb12u3 amd64', 'libssl3t64 3.0.13-1 arm64', 'tzdata 2024a-0+deb12u1 all']);
    expect(entries.every(e => e.source === 2 && e.component === 'updates/main')).toBe(true);
    expect(entries[0].provides).toEqual([{ name: 'rsh-client' }, { name: 'ssh-client' }]);
    expect(entries[1].provides).toEqual([{ name: 'libssl3', op: '=', version: '3.0.13-1' }]);
    expect(entries[0].stanza.startsWith('Package: openssh-client\n')).toBe(true);
    expect(entries[0].stanza.endsWith('Section: net')).toBe(true);
  });

  test('CRLF files, extra blank lines and trailing whitespace', () => {
    const crlf = '\r\n\r\nPackage: a\r\nVersion: 1.0 \r\nArchitecture: amd64\r\nDepends: b\r\n\r\n\r\n\r\nPackage: b\r\nVersion: 2\r\nArchitecture: all\r\n';
    const entries = parseIndex(crlf, 0, 'main');
    expect(entries.map(e => e.key)).toEqual(['a 1.0 amd64', 'b 2 all']);
    expect(dependencies(entries[0])).toEqual([[{ name: 'b' }]]);
  });

  test('Package: must start the line: fields ending in the same name are not confused', () => {
    const entries = parseIndex('Original-Package: x\nPackage: y\nVersion: 1\nArchitecture: amd64\nBuilt-Using: z (= 1)\n', 0, 'main');
    expect(entries.map(e => e.key)).toEqual(['y 1 amd64']);
  });
});

describe('dependencies', () => {
  test('Pre-Depends come first, then Depends; folded lines are joined; Recommends are not dependencies', () => {
    const [ssh] = parseIndex(PACKAGES, 0, 'main');
    const deps = dependencies(ssh);
    expect(deps.map(c => c.map(r => r.name).join('|'))).toEqual([
      'init-system-helpers', 'adduser', 'passwd', 'libc6', 'libedit2', 'libfido2-1', 'libgssapi-krb5-2', 'libselinux1',
    ]);
    expect(deps[4][0]).toEqual({ name: 'libedit2', op: '>=', version: '2.11-20080614-4' });
    expect(dependencies(ssh)).toBe(deps);
  });
});

describe('stanzaField', () => {
  test('any field, case-insensitively, continuation lines joined with newlines', () => {
    const [ssh, , tz] = parseIndex(PACKAGES, 0, 'main');
    expect(stanzaField(ssh, 'Source')).toBe('openssh');
    expect(stanzaField(ssh, 'multi-arch')).toBe('foreign');
    expect(stanzaField(ssh, 'Description')).toBe('secure shell (SSH) client, for secure access to remote machines\nThis is the portable version of OpenSSH.');
    expect(stanzaField(tz, 'Source')).toBeUndefined();
  });
});

describe('indexPath', () => {
  test('component indexes and flat repositories', () => {
    expect(indexPath('main', 'amd64')).toBe('main/binary-amd64/Packages');
    expect(indexPath('updates/main', 'arm64')).toBe('updates/main/binary-arm64/Packages');
    expect(indexPath(undefined, 'amd64')).toBe('Packages');
  });
});

const LISTS = '/var/lib/apt/lists';
const real = fs.existsSync(LISTS) ? fs.readdirSync(LISTS).filter(f => /_Packages\.lz4$/.test(f)) : [];
const lz4 = spawnSync('lz4', ['--version']).status === 0;

(real.length && lz4 ? test : test.skip)('GIVEN this machine\'s real Debian Packages indexes THEN every stanza is an entry and no relation is dropped', () => {
  for (const name of real) {
    const text = spawnSync('lz4', ['-dc', path.join(LISTS, name)], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }).stdout;
    const entries = parseIndex(text, 0, 'main');
    expect(entries.length).toBe((text.match(/^Package: /gm) ?? []).length);
    const dropped: string[] = [];
    for (const e of entries) {
      const written = ['Pre-Depends', 'Depends'].flatMap(f => (stanzaField(e, f) ?? '').split(',').filter(s => s.trim()));
      const parsed = dependencies(e);
      const alternatives = written.reduce((n, clause) => n + clause.split('|').length, 0);
      if (parsed.length !== written.length || parsed.flat().length !== alternatives) dropped.push(e.key);
      const provides = (stanzaField(e, 'Provides') ?? '').split(',').filter(s => s.trim());
      if (e.provides.length !== provides.length) dropped.push(`${e.key} (Provides)`);
    }
    expect(dropped.slice(0, 10)).toEqual([]);
  }
});
