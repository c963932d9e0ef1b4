import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as YAML from 'yaml';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

// Pins the YAML the README's first command writes (`npm run synth:example`): any drift fails.
test('the example app synthesizes the pinned YAML', async () => {
  await promisify(execFile)(process.execPath, [path.join(__dirname, '..', '..', 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth'], {
    cwd: EXAMPLES, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(EXAMPLES, 'dist', 'mirror.k8s.yaml'), 'utf8')).map(d => d.toJSON());
  expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^Job\/mirror-build-/), 'Ingress/mirror-server']));
  // The bundled build runner is generated from src/runner/ (its content hash is in the names).
  for (const o of objects) {
    if (o.kind === 'ConfigMap' && o.data?.['build-runner.js']) o.data['build-runner.js'] = '<assets/build-runner.js>';
  }
  expect(objects).toMatchSnapshot();
}, 120_000);
