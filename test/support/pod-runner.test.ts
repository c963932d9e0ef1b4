import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { expandKubernetesVars, materializeVolumes, PodRunnerError, runPod } from './pod-runner';

// Mount points missing on the host are created there by bwrap (as empty directories). Every test
// mounts below ROOT, and afterAll checks that nothing but empty directories was left there.
const ROOT = `/pod-runner-test-${crypto.randomBytes(4).toString('hex')}`;
const IMAGE = 'debian:bookworm-slim';

function removeEmptyDirTree(dir: string): string[] {
  const leftovers: string[] = [];
  if (!fs.existsSync(dir)) return leftovers;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) leftovers.push(...removeEmptyDirTree(p));
    else leftovers.push(p);
  }
  if (leftovers.length === 0) fs.rmdirSync(dir);
  return leftovers;
}

afterAll(() => {
  expect(removeEmptyDirTree(ROOT)).toEqual([]);
});

function configMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, ...(binaryData ? { binaryData } : {}) };
}

function container(name: string, script: string, extra: any = {}): any {
  return { name, image: IMAGE, command: ['sh', '-c', script], ...extra };
}

function job(name: string, podSpec: any): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { template: { metadata: { labels: { app: name } }, spec: { restartPolicy: 'Never', ...podSpec } } },
  };
}

function lines(s: string): string[] {
  return s.split('\n').filter(l => l !== '');
}

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

    const optional = JSON.parse(JSON.stringify(missing));
    optional[0].spec.template.spec.volumes[0].configMap.optional = true;
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

describe('env, command and args', () => {
  test('env value, valueFrom, envFrom and $(VAR) expansion', async () => {
    const manifests = [
      configMap('settings', { LEVEL: 'debug', URL: 'http://mirror' }),
      job('j', {
        containers: [container('main', 'echo "$A|$B|$LEVEL|$CFG_URL|$TOKEN|$POD|$NS|$APP|$JOB|$HOME|$PATH|$HOSTNAME|$EXTRA|$MISSING_OPT"; echo "$0 $1"', {
          args: ['$(A)-$(LEVEL)', '$$(A)$(UNDEFINED)'],
          envFrom: [{ configMapRef: { name: 'settings' } }, { configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
          env: [
            { name: 'A', value: 'a' },
            { name: 'B', value: '$(A)/$(LEVEL)/$(LATER)' },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tok', key: 'token' } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: 'JOB', valueFrom: { fieldRef: { fieldPath: "metadata.labels['job-name']" } } },
            { name: 'MISSING_OPT', valueFrom: { configMapKeyRef: { name: 'settings', key: 'NOPE', optional: true } } },
            { name: 'LATER', value: 'later' },
          ],
        })],
      }),
    ];
    const r = await runPod({ manifests, kind: 'Job', name: 'j', secrets: { tok: { token: 's3cret' } }, extraEnv: { EXTRA: 'x' } });
    try {
      expect(r.results[0].stderr).toBe('');
      expect(lines(r.results[0].stdout)).toEqual([
        'a|a/debug/$(LATER)|debug|http://mirror|s3cret|test-pod|default|j|j|/root|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|test-pod|x|',
        'a-debug $(A)$(UNDEFINED)',
      ]);
      expect(r.results[0].argv.slice(3)).toEqual(['a-debug', '$(A)$(UNDEFINED)']);
    } finally {
      r.cleanup();
    }
    const bad = JSON.parse(JSON.stringify(manifests));
    bad[1].spec.template.spec.containers[0].env.push({ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'NOPE' } } });
    await expect(runPod({ manifests: bad, kind: 'Job', name: 'j', secrets: { tok: { token: 't' } } }))
      .rejects.toThrow(/couldn't find key "NOPE" in ConfigMap default\/settings/);
  });

  test('expandKubernetesVars follows the Kubernetes rules', () => {
    const vars: Record<string, string> = { A: '1', B: '2' };
    const x = (s: string) => expandKubernetesVars(s, n => vars[n]);
    expect(x('$(A)$(B)')).toBe('12');
    expect(x('$$(A)')).toBe('$(A)');
    expect(x('$(C)')).toBe('$(C)');
    expect(x('$A $(A')).toBe('$A $(A');
    expect(x('cost: $$5 $')).toBe('cost: $5 $');
  });

  test('command overrides the entrypoint, args are appended; without command the entrypoint must be known', async () => {
    const manifests = [job('j', {
      containers: [
        { name: 'cmd', image: IMAGE, command: ['printf', '%s|'], args: ['x', 'y z'] },
        { name: 'ep', image: 'example/tool:1', args: ['--flag', 'v'] },
      ],
    })];
    await expect(runPod({ manifests, kind: 'Job', name: 'j' })).rejects.toThrow(/no command.*entrypoint of image "example\/tool:1" is unknown|only args/);
    const r = await runPod({ manifests, kind: 'Job', name: 'j', entrypoints: { 'example/tool:1': ['echo', 'tool'] } });
    try {
      expect(r.results.map(x => x.stdout)).toEqual(['x|y z|', 'tool --flag v\n']);
      expect(r.results[1].argv).toEqual(['echo', 'tool', '--flag', 'v']);
    } finally {
      r.cleanup();
    }
    const r2 = await runPod({ manifests, kind: 'Job', name: 'j', containers: ['ep'], images: { 'example/tool:1': { entrypoint: ['sh', '-c', 'echo "$W $0 $1"'], env: { W: 'img-env' }, workingDir: '/usr' } } });
    try {
      expect(r2.results.map(x => [x.name, x.stdout])).toEqual([['ep', 'img-env --flag v\n']]);
    } finally {
      r2.cleanup();
    }
  });
});

describe('running', () => {
  test('a failing container stops the pod; later containers do not run', async () => {
    const manifests = [job('j', {
      initContainers: [container('first', 'echo one; echo oops >&2; exit 3'), container('second', 'echo two')],
      containers: [container('main', 'echo main')],
    })];
    const r = await runPod({ manifests, kind: 'Job', name: 'j' });
    try {
      expect(r.exitCode).toBe(3);
      expect(r.failedContainer).toBe('first');
      expect(r.results).toHaveLength(1);
      expect(r.results[0]).toMatchObject({ name: 'first', exitCode: 3, stdout: 'one\n', stderr: 'oops\n', timedOut: false });
      expect(fs.readFileSync(r.results[0].logFile, 'utf8')).toContain('oops');
    } finally {
      r.cleanup();
    }
    const msgs = [job('m', {
      containers: [
        container('file', 'echo "all good" > /dev/termination-log'),
        container('custom', 'echo custom > /tmp/msg', { terminationMessagePath: '/tmp/msg' }),
        container('fallback', 'echo line1; echo boom >&2; exit 1', { terminationMessagePolicy: 'FallbackToLogsOnError' }),
      ],
    })];
    const t = await runPod({ manifests: msgs, kind: 'Job', name: 'm' });
    try {
      expect(t.results.map(x => x.terminationMessage)).toEqual(['all good\n', 'custom\n', 'line1\nboom']);
    } finally {
      t.cleanup();
    }
    const only = await runPod({ manifests, kind: 'Job', name: 'j', containers: ['main', 'second'] });
    try {
      expect(only.results.map(x => x.stdout)).toEqual(['main\n', 'two\n']);
      expect(only.exitCode).toBe(0);
    } finally {
      only.cleanup();
    }
  });

  test('timeout kills the whole sandbox', async () => {
    const manifests = [job('j', {
      containers: [container('main', `(sleep 2; touch ${ROOT}/late/marker) & sleep 60`, { volumeMounts: [{ name: 'w', mountPath: `${ROOT}/late` }] })],
      volumes: [{ name: 'w', emptyDir: {} }],
    })];
    const start = Date.now();
    const r = await runPod({ manifests, kind: 'Job', name: 'j', timeoutMs: 700 });
    try {
      expect(Date.now() - start).toBeLessThan(10_000);
      expect(r.results[0]).toMatchObject({ timedOut: true, exitCode: 137 });
      expect(r.exitCode).toBe(137);
      await new Promise(res => setTimeout(res, 3_000));
      expect(fs.readdirSync(r.emptyDirs.w)).toEqual([]);
    } finally {
      r.cleanup();
    }
  });

  test('an abort signal stops a long-running container', async () => {
    const manifests = [{
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'srv' },
      spec: { template: { spec: { containers: [container('server', 'trap "echo term; exit 0" TERM; while :; do sleep 0.1; done')] } } },
    }];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const r = await runPod({ manifests, kind: 'Deployment', name: 'srv', signal: ac.signal });
    try {
      expect(r.results[0]).toMatchObject({ aborted: true, exitCode: 0, stdout: 'term\n' });
    } finally {
      r.cleanup();
    }
  });

  test('containers reach a server running in the test process', async () => {
    const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
    await new Promise<void>(res => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as AddressInfo).port;
    try {
      const manifests = [{
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: {
          containers: [{
            name: 'client',
            image: 'curlimages/curl',
            command: ['curl', '-fsS', 'http://127.0.0.1:$(PORT)/x'],
            env: [{ name: 'PORT', value: String(port) }],
          }],
        },
      }];
      const r = await runPod({ manifests, kind: 'Pod', name: 'p' });
      try {
        expect(r.results[0].stdout).toBe('hello /x');
      } finally {
        r.cleanup();
      }
    } finally {
      server.close();
    }
  });

  test('each container gets its own /dev with real device nodes', async () => {
    const manifests = [job('j', {
      containers: [
        container('replace', 'echo x > /tmp/f && mv /tmp/f /dev/null && echo replaced; ls /dev | tr "\\n" " "'),
        container('user', 'echo x > /dev/null && stat -c %F /dev/null', { securityContext: { runAsUser: 25000 } }),
      ],
    })];
    const r = await runPod({ manifests, kind: 'Job', name: 'j' });
    try {
      expect(r.results.map(x => x.stderr)).toEqual(['', '']);
      expect(lines(r.results[0].stdout)).toEqual(['replaced', 'core fd full null random shm stderr stdin stdout termination-log tty urandom zero ']);
      // (the rename worked: /dev/null is the container's own node, not a bind mount of the host's, which gives EBUSY)
      expect(r.results[1].stdout).toBe('character special file\n');
    } finally {
      r.cleanup();
    }
  });

  test('each container gets private /tmp, /root and /run, its own PID namespace and hostname', async () => {
    const manifests = [job('j', {
      containers: [
        container('a', 'touch /tmp/a-was-here /root/a-was-here; stat -c %a /tmp; hostname; read -r pid rest < /proc/self/stat; echo pid=$pid'),
        container('b', 'ls -A /tmp /root; ps -e --no-headers | wc -l'),
      ],
    })];
    const r = await runPod({ manifests, kind: 'Job', name: 'j', podName: 'mirror-build-abcde' });
    try {
      expect(lines(r.results[0].stdout)).toEqual(['1777', 'mirror-build-abcde', 'pid=1']);
      expect(lines(r.results[1].stdout)).toEqual(['/root:', '/tmp:', '3']);
      expect(fs.existsSync('/tmp/a-was-here')).toBe(false);
    } finally {
      r.cleanup();
    }
  });
});

describe('securityContext', () => {
  test('cdk8s-plus-27 defaults (runAsNonRoot without a user) are refused like kubelet does', async () => {
    const chart = Testing.chart();
    const j = new kplus.Job(chart, 'job');
    j.addContainer({ name: 'main', image: IMAGE, command: ['true'] });
    const manifests = Testing.synth(chart);
    const name = manifests.find((o: any) => o.kind === 'Job').metadata.name;
    await expect(runPod({ manifests, kind: 'Job', name })).rejects.toThrow(/runAsNonRoot is set but no runAsUser/);
  });

  test('non-root user, fsGroup, readOnlyRootFilesystem and a 0400 secret (cdk8s-plus-27 Job)', async () => {
    const chart = Testing.chart();
    const cm = new kplus.ConfigMap(chart, 'cfg', { data: { 'build.json': '{"version":1}' } });
    const j = new kplus.Job(chart, 'job', { securityContext: { fsGroup: 2000 } });
    const c = j.addContainer({
      name: 'build',
      image: IMAGE,
      command: ['sh', '-c', [
        'id -u; id -g; id -G | tr " " "\\n" | grep -x 2000',
        `stat -L -c '%a %g' ${ROOT}/sec/key`,
        `cat ${ROOT}/sec/key; echo`,
        `cat ${ROOT}/build/build.json; echo`,
        `touch ${ROOT}/ws/ok && echo ws-writable`,
        'touch /etc/nope 2>/dev/null || echo root-read-only',
        'touch /tmp/nope 2>/dev/null || echo tmp-read-only',
        'echo HOME=$HOME',
        'grep CapEff /proc/self/status',
      ].join('\n')],
      securityContext: { user: 25000, group: 26000 },
    });
    c.mount(`${ROOT}/sec`, kplus.Volume.fromSecret(chart, 'sec', kplus.Secret.fromSecretName(chart, 'sigsec', 'signing'), { defaultMode: 0o400 }));
    c.mount(`${ROOT}/build`, kplus.Volume.fromConfigMap(chart, 'cfgvol', cm));
    c.mount(`${ROOT}/ws`, kplus.Volume.fromEmptyDir(chart, 'ws', 'workspace'));
    const manifests = Testing.synth(chart);
    const name = manifests.find((o: any) => o.kind === 'Job').metadata.name;
    const r = await runPod({ manifests, kind: 'Job', name, secrets: { signing: { key: 'KEY' } } });
    try {
      expect(r.results[0].stderr).toBe('');
      expect(lines(r.results[0].stdout)).toEqual([
        '25000', '26000', '2000',
        '440 2000', // fsGroup makes the 0400 secret group-readable, as kubelet does
        'KEY',
        '{"version":1}',
        'ws-writable',
        'root-read-only',
        'tmp-read-only',
        'HOME=/',
        'CapEff:\t0000000000000000',
      ]);
    } finally {
      r.cleanup();
    }
  });

  test('root gets the default container capabilities; capabilities add/drop apply', async () => {
    const manifests = [job('j', {
      containers: [
        container('default', 'grep CapEff /proc/self/status'),
        container('dropped', 'grep CapEff /proc/self/status', { securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }),
      ],
    })];
    const r = await runPod({ manifests, kind: 'Job', name: 'j' });
    try {
      expect(r.results.map(x => x.stdout.trim())).toEqual(['CapEff:\t00000000a80425fb', 'CapEff:\t0000000000000400']);
    } finally {
      r.cleanup();
    }
    const typo = JSON.parse(JSON.stringify(manifests));
    typo[0].spec.template.spec.containers[1].securityContext.capabilities.add = ['NET_BIND'];
    await expect(runPod({ manifests: typo, kind: 'Job', name: 'j' })).rejects.toThrow(/unknown capability "net_bind"/);
  });
});

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
