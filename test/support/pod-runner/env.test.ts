import { IJob } from 'kubernetes-models/batch/v1/Job';
import { expandKubernetesVars, runPod } from '.';
import { configMap, container, expectOnlyEmptyDirsUnderRoot, IMAGE, job, lines, podSpecOf } from './test-fixtures';

afterAll(expectOnlyEmptyDirsUnderRoot);

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
    const bad = structuredClone(manifests);
    podSpecOf(bad[1] as IJob).containers[0].env!.push({ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'NOPE' } } });
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
