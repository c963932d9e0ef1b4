import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { runPod } from '.';
import { container, expectOnlyEmptyDirsUnderRoot, IMAGE, job, lines, podSpecOf, ROOT } from './test-fixtures';

afterAll(expectOnlyEmptyDirsUnderRoot);

describe('securityContext', () => {
  test('cdk8s-plus-27 defaults (runAsNonRoot without a user) are refused like kubelet does', async () => {
    const chart = Testing.chart();
    const j = new kplus.Job(chart, 'job');
    j.addContainer({ name: 'main', image: IMAGE, command: ['true'] });
    const manifests = Testing.synth(chart);
    const name = manifests.find(o => o.kind === 'Job').metadata.name;
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
    const name = manifests.find(o => o.kind === 'Job').metadata.name;
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
    const typo = structuredClone(manifests);
    podSpecOf(typo[0]).containers[1].securityContext!.capabilities!.add = ['NET_BIND'];
    await expect(runPod({ manifests: typo, kind: 'Job', name: 'j' })).rejects.toThrow(/unknown capability "net_bind"/);
  });
});
