import { Size } from 'cdk8s';
import { ImageBuilder, RegistryCa } from '../../src';
import { allVariants, objectOf, synthMirror, SynthOptions } from '../serving/fixtures';
import { checkPodSecurity, formatViolations } from '../support/pss';

describe.each(Object.entries(allVariants()))('GIVEN a MiniMirror (%s)', (_name, variant) => {
  const { manifests, mirror } = synthMirror(variant);

  test('THEN the serving pod meets the restricted Pod Security Standard', () => {
    expect(formatViolations(checkPodSecurity(objectOf(manifests, 'Deployment', 'mirror-server'), 'restricted'))).toEqual([]);
  });

  test('THEN the smoke-test pod meets the restricted Pod Security Standard', () => {
    if (!mirror.smokeTest) return;
    expect(formatViolations(checkPodSecurity(objectOf(manifests, 'Job', mirror.smokeTest.jobName), 'restricted'))).toEqual([]);
  });

  test('THEN the build pod meets at least baseline', () => {
    expect(formatViolations(checkPodSecurity(objectOf(manifests, 'Job', mirror.buildJob.jobName), 'baseline'))).toEqual([]);
  });
});

/** What apt-get (run as root in a stock image) and kaniko need; both are documented in build-job.ts. */
const ROOT_STEP = (container: string) => [
  `restricted/Running as Non-root ${container}: runAsNonRoot is not true (neither on the container nor on the pod)`,
  `restricted/Running as Non-root user ${container}: runAsUser is 0`,
  ...['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'].map((cap) => `restricted/Capabilities ${container}: adds capability ${cap}`),
];

describe('which build steps cannot meet restricted, and why', () => {
  const cases: [string, SynthOptions, string[]][] = [
    // The mirror step installs aptly/gnupg/curl/... and the image step skopeo/umoci with apt-get
    // into the stock Debian image.
    // The check step is the image step's container asking the registry first: root to install skopeo too.
    ['stock images, skopeo (default)', {}, [...ROOT_STEP('check'), ...ROOT_STEP('mirror'), ...ROOT_STEP('image')]],
    ['prepared images, skopeo', { props: { buildJob: { mirrorImageHasTools: true, imageBuilder: ImageBuilder.skopeo({ imageHasTools: true }) } } }, []],
    ['stock mirror image, crane', { props: { buildJob: { imageBuilder: ImageBuilder.crane() } } }, ROOT_STEP('mirror')],
    // Kaniko unpacks the base image over its own root filesystem.
    ['stock mirror image, kaniko', { props: { buildJob: { imageBuilder: ImageBuilder.kaniko() } } }, [...ROOT_STEP('mirror'), ...ROOT_STEP('image')]],
    ['prepared mirror image, kaniko', { props: { buildJob: { imageBuilder: ImageBuilder.kaniko(), mirrorImageHasTools: true } } }, ROOT_STEP('image')],
    // Fully restricted builds: tools baked into the images, skopeo/umoci or crane add a layer.
    ['prepared mirror image, crane', { props: { buildJob: { mirrorImageHasTools: true, imageBuilder: ImageBuilder.crane() } } }, []],
    // The builder image (images/builder/Dockerfile): every step non-root, read-only root FS.
    ['builder image, skopeo', { props: { buildJob: { builderImage: 'registry.example.com/mini-mirror-builder:1' } } }, []],
    ['builder image, registry CA from a Secret, workspace size', {
      props: {
        image: { repository: 'registry.example.com/mini-mirror', registryCa: RegistryCa.fromSecret('registry-tls') },
        buildJob: { builderImage: 'registry.example.com/mini-mirror-builder:1', mirrorSizeEstimate: Size.gibibytes(40) },
      },
    }, []],
    // A PersistentVolumeClaim is an allowed volume type under restricted.
    ['builder image, workspace on a PersistentVolumeClaim', {
      props: { buildJob: { builderImage: 'registry.example.com/mini-mirror-builder:1', workspaceVolumeClaim: 'mirror-workspace' } },
    }, []],
  ];

  test.each(cases)('%s', (name, variant, expected) => {
    const { manifests, mirror } = synthMirror(variant);
    const violations = formatViolations(checkPodSecurity(objectOf(manifests, 'Job', mirror.buildJob.jobName), 'restricted'));
    // The report, for people deciding which namespace label (enforce: baseline/restricted) the build needs.
    process.stdout.write(`build pod, ${name}: ${violations.length === 0 ? 'meets restricted' : `\n  ${violations.join('\n  ')}`}\n`);
    expect(violations).toEqual(expected);
  });
});

describe('the checker', () => {
  const base = () => JSON.parse(JSON.stringify(objectOf(synthMirror().manifests, 'Deployment', 'mirror-server')));
  const check = (mutate: (pod: any, c: any, d: any) => void, level: 'baseline' | 'restricted' = 'restricted') => {
    const d = base();
    mutate(d.spec.template.spec, d.spec.template.spec.containers[0], d);
    return formatViolations(checkPodSecurity(d, level));
  };

  test.each<[string, (pod: any, c: any, d: any) => void, string[]]>([
    ['hostNetwork', (p) => (p.hostNetwork = true), ['baseline/Host Namespaces pod: hostNetwork is true']],
    ['hostPID and hostIPC', (p) => Object.assign(p, { hostPID: true, hostIPC: true }), ['baseline/Host Namespaces pod: hostPID is true', 'baseline/Host Namespaces pod: hostIPC is true']],
    ['privileged', (_p, c) => (c.securityContext.privileged = true), ['baseline/Privileged Containers nginx: privileged is true']],
    ['SYS_ADMIN', (_p, c) => (c.securityContext.capabilities.add = ['SYS_ADMIN']), ['baseline/Capabilities nginx: adds capability SYS_ADMIN']],
    ['NET_BIND_SERVICE is fine', (_p, c) => (c.securityContext.capabilities.add = ['NET_BIND_SERVICE']), []],
    ['no drop ALL', (_p, c) => (c.securityContext.capabilities = {}), ['restricted/Capabilities nginx: does not drop ALL capabilities']],
    ['hostPath', (p) => p.volumes.push({ name: 'h', hostPath: { path: '/' } }), ['baseline/HostPath Volumes pod: volume h is a hostPath', 'restricted/Volume Types pod: volume h is of type hostPath']],
    ['nfs volume', (p) => p.volumes.push({ name: 'n', nfs: { server: 'x', path: '/' } }), ['restricted/Volume Types pod: volume n is of type nfs']],
    ['hostPort', (_p, c) => (c.ports[0].hostPort = 80), ['baseline/Host Ports nginx: hostPort 80']],
    ['runAsNonRoot unset everywhere', (p, c) => { delete p.securityContext.runAsNonRoot; delete c.securityContext.runAsNonRoot; }, ['restricted/Running as Non-root nginx: runAsNonRoot is not true (neither on the container nor on the pod)']],
    ['runAsNonRoot only on the pod is enough', (_p, c) => delete c.securityContext.runAsNonRoot, []],
    ['runAsUser 0', (p) => (p.securityContext.runAsUser = 0), ['restricted/Running as Non-root user pod: runAsUser is 0']],
    ['seccomp unset', (p, c) => { delete p.securityContext.seccompProfile; delete c.securityContext.seccompProfile; }, ['restricted/Seccomp nginx: seccompProfile is not set (neither on the container nor on the pod)']],
    ['seccomp Unconfined', (_p, c) => (c.securityContext.seccompProfile = { type: 'Unconfined' }), ['baseline/Seccomp nginx: seccompProfile is Unconfined', 'restricted/Seccomp nginx: seccompProfile is Unconfined (neither on the container nor on the pod)']],
    ['allowPrivilegeEscalation', (_p, c) => delete c.securityContext.allowPrivilegeEscalation, ['restricted/Privilege Escalation nginx: allowPrivilegeEscalation is not false']],
    ['procMount', (_p, c) => (c.securityContext.procMount = 'Unmasked'), ['baseline//proc Mount Type nginx: procMount is Unmasked']],
    ['unsafe sysctl', (p) => (p.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }]), ['baseline/Sysctls pod: sysctl kernel.msgmax is not in the safe set']],
    ['AppArmor unconfined', (_p, _c, d) => (d.spec.template.metadata.annotations['container.apparmor.security.beta.kubernetes.io/nginx'] = 'unconfined'), ['baseline/AppArmor nginx: AppArmor annotation is unconfined']],
    ['SELinux', (_p, c) => (c.securityContext.seLinuxOptions = { type: 'spc_t', user: 'root' }), ['baseline/SELinux nginx: seLinuxOptions.type is spc_t', 'baseline/SELinux nginx: seLinuxOptions.user is set']],
    ['hostProcess', (p) => (p.securityContext.windowsOptions = { hostProcess: true }), ['baseline/HostProcess pod: windowsOptions.hostProcess is true']],
  ])('%s', (_name, mutate, expected) => {
    expect(check(mutate)).toEqual(expected);
  });

  test('baseline ignores the restricted-only controls', () => {
    expect(check((p, c) => { delete p.securityContext.runAsNonRoot; delete c.securityContext.runAsNonRoot; c.securityContext.capabilities = {}; }, 'baseline')).toEqual([]);
  });
});
