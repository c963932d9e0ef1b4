import * as fs from 'fs';
import * as path from 'path';
import { materializeVolumes } from '.';
import { configMap, container, expectOnlyEmptyDirsUnderRoot, job } from './test-fixtures';

afterAll(expectOnlyEmptyDirsUnderRoot);

describe('materializeVolumes', () => {
  test('returns host paths for every volumeMount without running anything', () => {
    const manifests = [
      configMap('cfg', { 'build.json': '{}', 'aptly.conf': '{"rootDir":"/x"}' }),
      job('j', {
        initContainers: [container('init', 'true', { volumeMounts: [{ name: 'ws', mountPath: '/workspace' }] })],
        containers: [container('main', 'true', {
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/mini-mirror/build' },
            { name: 'cfg', mountPath: '/etc/aptly.conf', subPath: 'aptly.conf' },
            { name: 'ws', mountPath: '/workspace' },
            { name: 'sec', mountPath: '/etc/mini-mirror/signing' },
          ],
        })],
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'build.json', path: 'build.json' }, { key: 'aptly.conf', path: 'aptly.conf', mode: 0o600 }] } },
          { name: 'ws', emptyDir: {} },
          { name: 'sec', secret: { secretName: 'signing', defaultMode: 0o400 } },
        ],
      }),
    ];
    const m = materializeVolumes({ manifests, kind: 'Job', name: 'j', secrets: { signing: { 'signing-key.asc': 'K' } } });
    try {
      expect(Object.keys(m.mounts)).toEqual(['init', 'main']);
      expect(Object.keys(m.mounts.main).sort()).toEqual(['/etc/aptly.conf', '/etc/mini-mirror/build', '/etc/mini-mirror/signing', '/workspace']);
      expect(m.mounts.main['/workspace']).toBe(m.emptyDirs.ws);
      expect(fs.readFileSync(m.mounts.main['/etc/aptly.conf'], 'utf8')).toBe('{"rootDir":"/x"}');
      const key = m.hostPath('main', '/etc/mini-mirror/signing/signing-key.asc')!;
      expect(fs.readFileSync(key, 'utf8')).toBe('K');
      expect((fs.statSync(key).mode & 0o777).toString(8)).toBe('400'); // eslint-disable-line no-bitwise
      expect(fs.lstatSync(key).isSymbolicLink()).toBe(true);
      expect(m.hostPath('main', '/etc/mini-mirror/build/build.json')).toBe(path.join(m.volumes.cfg, 'build.json'));
      expect(m.hostPath('main', '/usr/bin/env')).toBeUndefined();
    } finally {
      m.cleanup();
    }
    expect(fs.existsSync(m.tempDir)).toBe(false);
  });
});
