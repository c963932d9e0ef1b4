import { allVariants, synthMirror } from '../serving/fixtures';
import { validateAll, validateObject } from '../support/schema';
import { cachedTestKey } from '../support/test-keys';

let publicKey: string;
beforeAll(async () => {
  // A freshly generated (cached) key: the schema checks must not depend on one fixed key.
  publicKey = (await cachedTestKey()).publicKey;
});

describe.each(Object.entries(allVariants()))('GIVEN a full MiniMirror (%s)', (_name, variant) => {
  test('THEN every synthesized object is valid against the Kubernetes schemas', () => {
    const { manifests } = synthMirror({ ...variant, publicKey: variant.signed === false ? undefined : publicKey });
    const kinds = [...new Set(manifests.map((o) => `${o.apiVersion}/${o.kind}`))].sort();
    // No PodDisruptionBudget with one replica (the NodePort variant); the test below checks one appears.
    expect(kinds).toEqual(expect.arrayContaining(['apps/v1/Deployment', 'batch/v1/Job', 'v1/ConfigMap', 'v1/Service']));
    expect(validateAll(manifests)).toEqual([]);
  });
});

test('every kind of part appears in at least one variant', () => {
  const kinds = new Set<string>();
  for (const variant of Object.values(allVariants())) {
    for (const o of synthMirror(variant).manifests) kinds.add(`${o.apiVersion}/${o.kind}`);
  }
  expect([...kinds].sort()).toEqual([
    'apps/v1/Deployment', 'batch/v1/Job', 'networking.k8s.io/v1/Ingress', 'networking.k8s.io/v1/NetworkPolicy',
    'policy/v1/PodDisruptionBudget', 'v1/ConfigMap', 'v1/Service',
  ]);
});

describe('the validator itself catches what it should', () => {
  const deployment = () => JSON.parse(JSON.stringify(synthMirror().manifests.find((o) => o.kind === 'Deployment')));

  test('a wrong type', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(validateObject(d).map((p) => p.message).join('\n')).toMatch(/containerPort must be integer/);
  });

  test('a missing required field', () => {
    const d = deployment();
    delete d.spec.selector;
    expect(validateObject(d).map((p) => p.message).join('\n')).toMatch(/data\/spec must have required property selector/);
  });

  test('a selector that does not select the pods', () => {
    const d = deployment();
    d.spec.selector.matchLabels['app.kubernetes.io/component'] = 'other';
    expect(validateObject(d).map((p) => p.message)).toContain("selector app.kubernetes.io/component=other does not match the pod template's labels");
  });

  test('an invalid name and label value', () => {
    const d = deployment();
    d.metadata.name = 'Mirror_Server';
    d.metadata.labels.x = 'a'.repeat(64);
    expect(validateObject(d).map((p) => p.message)).toEqual([
      'metadata.name "Mirror_Server" is not a valid Deployment name',
      `metadata.labels x value "${'a'.repeat(64)}" is invalid`,
    ]);
  });

  test('a Service name must start with a letter', () => {
    const s = synthMirror().manifests.find((o) => o.kind === 'Service');
    expect(validateObject({ ...s, metadata: { ...s.metadata, name: '1-mirror' } }).map((p) => p.message)).toEqual(['metadata.name "1-mirror" is not a valid Service name']);
  });

  test('an unknown kind', () => {
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })[0].message).toMatch(/no schema for example.com\/v1 Widget/);
  });
});
