/**
 * The build Job with the builder image, a registry CA and a sized or claimed workspace is valid
 * against the Kubernetes schemas (resources, volumes and mounts included).
 */
import { Size } from 'cdk8s';
import { MiniMirrorProps, RegistryCa } from '../../src';
import { synthMirror } from '../serving/fixtures';
import { validateAll } from '../support/schema';

const BUILDER = 'registry.example.com/mini-mirror-builder:bookworm-1';
const REPOSITORY = 'registry.example.com/mini-mirror';

describe.each<[string, Partial<MiniMirrorProps>]>([
  ['builder image, CA from a ConfigMap, default workspace', {
    image: { repository: REPOSITORY, registryCa: RegistryCa.fromConfigMap('registry-ca') },
    buildJob: { builderImage: BUILDER },
  }],
  ['CA from a Secret key, a 50Gi estimate', {
    image: { repository: REPOSITORY, registryCa: RegistryCa.fromSecret('registry-tls', 'tls-ca.pem') },
    buildJob: { mirrorSizeEstimate: Size.gibibytes(50) },
  }],
  ['workspace on a PersistentVolumeClaim', { buildJob: { builderImage: BUILDER, workspaceVolumeClaim: 'mirror-workspace' } }],
])('GIVEN a build Job (%s)', (_name, props) => {
  test('THEN every synthesized object is valid against the Kubernetes schemas', () => {
    const { manifests, mirror } = synthMirror({ props });
    expect(manifests.some(o => o.kind === 'Job' && o.metadata.name === mirror.buildJob.jobName)).toBe(true);
    expect(validateAll(manifests)).toEqual([]);
  });
});
