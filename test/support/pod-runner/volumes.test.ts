import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { materializeVolumes, PodRunnerError, runPod } from '.';
import { configMap, container, expectOnlyEmptyDirsUnderRoot, job, lines, podSpecOf, ROOT } from './test-fixtures';

afterAll(expectOnlyEmptyDirsUnderRoot);

describe('volumes', () => {
  test('configMap items land at their paths with their modes, in kubelet layout', async () => {
    const manifests = [
      configMap('cfg', { a: 'alpha', b: 'beta', c: 'gamma' }, { bin: Buffer.from([0, 1, 2, 255]).toString('base64') }),
      job('j', {
        containers: [container('main', [
          `cd ${ROOT}/etc/cfg`,
          "stat -L -c '%n %a' top.txt sub/dir/b.txt bin/data.bin",
          "stat -c '%n %F' top.txt",
          'echo data=$(readlink ..data)',
          'ls -A | sort | tr "\\n" " "; echo',
          'cat top.txt; echo',
          'od -An -tx1 bin/data.bin',
          'test ! -e c && echo no-c',
          `cd ${ROOT}/etc/all && stat -L -c '%n %a' a b c bin`,
        ].join('\n'), {
          volumeMounts: [{ name: 'cfg', mountPath: `${ROOT}/etc/cfg` }, { name: 'all', mountPath: `${ROOT}/etc/all` }],
        })],
        volumes: [
          {
            name: 'cfg',
            configMap: {
              name: 'cfg',
              defaultMode: 0o640,
              items: [
                { key: 'a', path: 'top.txt' },
                { key: 'b', path: 'sub/dir/b.txt', mode: 0o600 },
                { key: 'bin', path: 'bin/data.bin' },
              ],
            },
          },
          { name: 'all', configMap: { name: 'cfg' } },
        ],
      }),
    ];
    const r = await runPod({ manifests, kind: 'Job', name: 'j' });
    try {
      expect(r.results[0].stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const out = lines(r.results[0].stdout);
      expect(out.slice(0, 3)).toEqual(['top.txt 640', 'sub/dir/b.txt 600', 'bin/data.bin 640']);
      // the visible names are symlinks into ..data, as kubelet's atomic writer makes them
      expect(out[3]).toBe('top.txt symbolic link');
      expect(out[4]).toMatch(/^data=\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
      expect(out[5]).toMatch(/^\.\.\d{4}_\S+ \.\.data bin sub top.txt $/);
      expect(out[6]).toBe('alpha');
      expect(out[7].trim()).toBe('00 01 02 ff');
      expect(out[8]).toBe('no-c');
      // without items every key (data and binaryData) is a file, default mode 0644
      expect(out.slice(9)).toEqual(['a 644', 'b 644', 'c 644', 'bin 644']);
    } finally {
      r.cleanup();
    }
  });

  test('projected volume combines two ConfigMaps and a Secret under one mount', async () => {
    const manifests = [
      configMap('one', { 'source.txt': 'url1', 'packages.txt': 'pkg1' }),
      configMap('two', { 'build.json': '{}' }),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'sig' },
        data: { key: Buffer.from('KEY').toString('base64') },
        stringData: { pass: 'PASS' },
      },
      job('j', {
        containers: [container('main', `cd ${ROOT}/etc/mm && find . -path ./..data -prune -o \\( -type f -o -type l \\) -print | grep -v '/\\.\\.[0-9]' | sort && stat -L -c '%n %a' debian/bookworm/source.txt build/build.json signing/key signing/pass && cat signing/key signing/pass debian/bookworm/packages.txt`, {
          volumeMounts: [{ name: 'mm', mountPath: `${ROOT}/etc/mm` }],
        })],
        volumes: [{
          name: 'mm',
          projected: {
            defaultMode: 0o444,
            sources: [
              { configMap: { name: 'one', items: [{ key: 'source.txt', path: 'debian/bookworm/source.txt' }, { key: 'packages.txt', path: 'debian/bookworm/packages.txt' }] } },
              { configMap: { name: 'two', items: [{ key: 'build.json', path: 'build/build.json', mode: 0o644 }] } },
              { secret: { name: 'sig', items: [{ key: 'key', path: 'signing/key', mode: 0o400 }, { key: 'pass', path: 'signing/pass', mode: 0o400 }] } },
            ],
          },
        }],
      }),
    ];
    const r = await runPod({ manifests, kind: 'Job', name: 'j' });
    try {
      expect(r.results[0].stderr).toBe('');
      const out = lines(r.results[0].stdout);
      expect(out.slice(0, 3)).toEqual(['./build', './debian', './signing']);
      expect(out.slice(3, 7)).toEqual([
        'debian/bookworm/source.txt 444',
        'build/build.json 644',
        'signing/key 400',
        'signing/pass 400',
      ]);
      expect(out[7]).toBe('KEYPASSpkg1');
    } finally {
      r.cleanup();
    }
  });

  test('projected volume with a duplicate path is rejected', async () => {
    const manifests = [
      configMap('one', { a: '1' }),
      configMap('two', { a: '2' }),
      job('j', {
        containers: [container('main', 'true', { volumeMounts: [{ name: 'p', mountPath: `${ROOT}/p` }] })],
        volumes: [{ name: 'p', projected: { sources: [{ configMap: { name: 'one' } }, { configMap: { name: 'two' } }] } }],
      }),
    ];
    await expect(runPod({ manifests, kind: 'Job', name: 'j' })).rejects.toThrow(/conflicting duplicate paths "a"/);
  });

  test('secret from opts.secrets is mounted read-only with defaultMode 0400', async () => {
    const manifests = [
      // opts.secrets wins over a manifest Secret of the same name
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'signing' }, stringData: { 'signing-key.asc': 'from manifest' } },
      job('j', {
        containers: [container('main', [
          `cd ${ROOT}/signing`,
          "stat -L -c '%n %a' signing-key.asc passphrase",
          'cat signing-key.asc; echo; od -An -tx1 passphrase',
          'if echo x > signing-key.asc; then echo WROTE; else echo write-failed; fi',
          'if touch new-file; then echo CREATED; else echo create-failed; fi',
        ].join('\n'), { volumeMounts: [{ name: 'sig', mountPath: `${ROOT}/signing` }] })],
        volumes: [{ name: 'sig', secret: { secretName: 'signing', defaultMode: 0o400 } }],
      }),
    ];
    const r = await runPod({
      manifests,
      kind: 'Job',
      name: 'j',
      secrets: { signing: { 'signing-key.asc': '-----BEGIN PGP PRIVATE KEY BLOCK-----', 'passphrase': Buffer.from([0x73, 0x00, 0x0a]) } },
    });
    try {
      const out = lines(r.results[0].stdout);
      expect(out).toEqual([
        'signing-key.asc 400',
        'passphrase 400',
        '-----BEGIN PGP PRIVATE KEY BLOCK-----',
        ' 73 00 0a',
        'write-failed',
        'create-failed',
      ]);
      expect(r.results[0].stderr).toMatch(/Read-only file system/);
    } finally {
      r.cleanup();
    }
  });

  test('emptyDir is shared by an initContainer that writes and a container that reads', async () => {
    const seeded = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-runner-test-seed-'));
    fs.writeFileSync(path.join(seeded, 'seed.txt'), 'seed\n');
    try {
      const manifests = [job('j', {
        initContainers: [container('writer', `stat -c %a ${ROOT}/ws; echo from-init > ${ROOT}/ws/out.txt; cat ${ROOT}/cache/seed.txt > ${ROOT}/cache/copy.txt`, {
          volumeMounts: [{ name: 'ws', mountPath: `${ROOT}/ws` }, { name: 'cache', mountPath: `${ROOT}/cache` }],
        })],
        containers: [container('reader', `cat ${ROOT}/workspace/out.txt; echo from-main >> ${ROOT}/workspace/out.txt`, {
          volumeMounts: [{ name: 'ws', mountPath: `${ROOT}/workspace` }],
        })],
        volumes: [{ name: 'ws', emptyDir: {} }, { name: 'cache', emptyDir: { medium: 'Memory' } }],
      })];
      const r = await runPod({ manifests, kind: 'Job', name: 'j', emptyDirs: { cache: seeded } });
      expect(r.results.map(x => [x.name, x.exitCode, x.stdout])).toEqual([
        ['writer', 0, '777\n'],
        ['reader', 0, 'from-init\n'],
      ]);
      expect(fs.readFileSync(path.join(r.emptyDirs.ws, 'out.txt'), 'utf8')).toBe('from-init\nfrom-main\n');
      expect(r.emptyDirs.cache).toBe(seeded);
      expect(fs.readFileSync(path.join(seeded, 'copy.txt'), 'utf8')).toBe('seed\n');
      r.cleanup();
      expect(fs.existsSync(r.tempDir)).toBe(false);
      expect(fs.existsSync(path.join(seeded, 'copy.txt'))).toBe(true); // caller's dir is kept
    } finally {
      fs.rmSync(seeded, { recursive: true, force: true });
    }
  });

  test('subPath mounts bind only that file or directory, and leave no file on the host', async () => {
    const hostFile = `/etc/pod-runner-test-${crypto.randomBytes(4).toString('hex')}.conf`;
    const manifests = [
      configMap('cfg', { 'app.conf': 'conf-content', 'other': 'x' }),
      job('j', {
        containers: [container('main', [
          `cat ${hostFile}; echo`,
          'test -r /etc/passwd && echo etc-intact',
          `cat ${ROOT}/deep/dir/app.conf; echo`,
          `ls ${ROOT}/sub`,
          `echo written > ${ROOT}/sub/new.txt`,
          `stat -c %F ${ROOT}/deep/dir/app.conf`,
        ].join('\n'), {
          volumeMounts: [
            { name: 'cfg', mountPath: hostFile, subPath: 'app.conf' },
            { name: 'cfg', mountPath: `${ROOT}/deep/dir/app.conf`, subPath: 'app.conf' },
            { name: 'ws', mountPath: `${ROOT}/sub`, subPath: 'nested/dir' },
          ],
        })],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'ws', emptyDir: {} }],
      }),
    ];
    const r = await runPod({ manifests, kind: 'Job', name: 'j' });
    try {
      expect(r.results[0].stderr).toBe('');
      expect(lines(r.results[0].stdout)).toEqual(['conf-content', 'etc-intact', 'conf-content', 'regular file']);
      expect(fs.existsSync(hostFile)).toBe(false);
      // a missing subPath is created as a directory in the volume
      expect(fs.readFileSync(path.join(r.emptyDirs.ws, 'nested', 'dir', 'new.txt'), 'utf8')).toBe('written\n');
    } finally {
      r.cleanup();
    }
  });

  test('volumes nested in a configMap mount work, a mount point missing in a read-only emptyDir fails', async () => {
    const manifests = [
      configMap('cfg', { a: 'A' }),
      job('j', {
        containers: [container('main', `cat ${ROOT}/app/a ${ROOT}/app/secret/k; ls -A ${ROOT}/app | grep -c secret`, {
          volumeMounts: [{ name: 'cfg', mountPath: `${ROOT}/app` }, { name: 'sec', mountPath: `${ROOT}/app/secret` }],
        })],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'sec', secret: { secretName: 's' } }],
      }),
      job('bad', {
        containers: [container('main', 'true', {
          volumeMounts: [{ name: 'ws', mountPath: `${ROOT}/ro`, readOnly: true }, { name: 'cfg', mountPath: `${ROOT}/ro/conf.d` }],
        })],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'ws', emptyDir: {} }],
      }),
    ];
    const r = await runPod({ manifests, kind: 'Job', name: 'j', secrets: { s: { k: 'K' } } });
    try {
      expect(r.results[0].stdout).toBe('AK1\n');
    } finally {
      r.cleanup();
    }
    await expect(runPod({ manifests, kind: 'Job', name: 'bad' })).rejects.toThrow(/does not exist inside the read-only mount/);
  });

  test('a missing ConfigMap is a clear error, unless optional', async () => {
    const missing = [job('j', {
      containers: [container('main', `ls -A ${ROOT}/cfg | grep -v '^\\.\\.' | wc -l`, { volumeMounts: [{ name: 'cfg', mountPath: `${ROOT}/cfg` }] })],
      volumes: [{ name: 'cfg', configMap: { name: 'nope' } }],
    })];
    await expect(runPod({ manifests: missing, kind: 'Job', name: 'j' }))
      .rejects.toThrow(/ConfigMap "nope" \(volume "cfg" of Job\/j\) not found in the manifests/);
    await expect(runPod({ manifests: missing, kind: 'Job', name: 'j' })).rejects.toBeInstanceOf(PodRunnerError);

    const optional = structuredClone(missing);
    podSpecOf(optional[0]).volumes![0].configMap!.optional = true;
    const r = await runPod({ manifests: optional, kind: 'Job', name: 'j' });
    expect(r.results[0].stdout.trim()).toBe('0');
    r.cleanup();

    const missingKey = [configMap('cfg', { a: '1' }), job('j', {
      containers: [container('main', 'true', { volumeMounts: [{ name: 'cfg', mountPath: `${ROOT}/cfg` }] })],
      volumes: [{ name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'b', path: 'b' }] } }],
    })];
    await expect(runPod({ manifests: missingKey, kind: 'Job', name: 'j' })).rejects.toThrow(/non-existent key "b"/);
    await expect(runPod({ manifests: missingKey, kind: 'Job', name: 'x' })).rejects.toThrow(/no Job\/x in the manifests/);
  });

  test('volume types that cannot be emulated are refused', async () => {
    const manifests = [job('j', {
      containers: [container('main', 'true', { volumeMounts: [{ name: 'host', mountPath: `${ROOT}/host` }] })],
      volumes: [{ name: 'host', hostPath: { path: '/var/lib' } }],
    })];
    await expect(runPod({ manifests, kind: 'Job', name: 'j' })).rejects.toThrow(/volume "host" \(hostPath\) mounted at .* is not emulated/);
    const m = materializeVolumes({ manifests, kind: 'Job', name: 'j' });
    expect(m.unsupportedVolumes).toEqual({ host: 'hostPath' });
    m.cleanup();
  });
});
