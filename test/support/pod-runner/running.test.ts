import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import { runPod } from '.';
import { container, expectOnlyEmptyDirsUnderRoot, job, lines, ROOT } from './test-fixtures';

afterAll(expectOnlyEmptyDirsUnderRoot);

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
