import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as YAML from 'yaml';

// Runs README.md's "Use it in your cdk8s app" recipe as written, from `npm pack` of this
// repository to `cdk8s synth`, in an empty directory (the npm registry is the only network it uses).
const ROOT = path.join(__dirname, '..', '..');
const exec = promisify(execFile);

/** The fenced code blocks of the README section `heading`, in order, with their languages. */
function sectionBlocks(readme: string, heading: string): Array<{ lang: string; code: string }> {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const end = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map(m => ({ lang: m[1], code: m[2] }));
}

async function bash(script: string, cwd: string): Promise<string> {
  try {
    const r = await exec('bash', ['-euo', 'pipefail', '-c', script], {
      cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    });
    return r.stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`this README step failed:\n${script}\n--- stdout\n${err.stdout}\n--- stderr\n${err.stderr}`);
  }
}

test('the README recipe, run as written, synthesizes the mirror', async () => {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) throw new Error('lib/index.js is missing: run `npx projen compile` first (npm pack packs lib/)');
  const blocks = sectionBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), '## Use it in your cdk8s app');
  const setup = blocks.find(b => b.lang === 'sh' && b.code.includes('npm init'));
  const main = blocks.find(b => b.lang === 'ts');
  const synth = blocks.find(b => b.lang === 'sh' && b.code.includes('cdk8s synth'));
  expect(setup && main && synth).toBeTruthy();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-app-'));
  try {
    const packed = (await bash(`npm pack --silent --pack-destination ${JSON.stringify(dir)}`, ROOT)).trim().split('\n').pop()!;
    const version = /^cdk8s-mini-mirror-(.+)\.tgz$/.exec(packed)?.[1];
    expect(version).toBeDefined();
    // The one substitution: where the packed file is.
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    await bash(setup!.code.replace(/\/path\/to\/cdk8s-mini-mirror-<version>\.tgz/g, path.join(dir, packed)).replace(/<version>/g, version!), work);

    const app = path.join(work, 'mirror-app');
    fs.writeFileSync(path.join(app, 'main.ts'), main!.code);
    // The inputs the recipe names: the example's sources and public key.
    fs.cpSync(path.join(ROOT, 'examples', 'sources'), path.join(app, 'sources'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'examples', 'mirror.pub.asc'), path.join(app, 'mirror.pub.asc'));
    await bash(synth!.code, app);

    const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'mirror.k8s.yaml'), 'utf8')).map(d => d.toJSON());
    const names = objects.map(o => `${o.kind}/${o.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^Job\/mirror-build-/), expect.stringMatching(/^Deployment\/mirror-server/), expect.stringMatching(/^Service\/mirror-server/)]));
    expect(objects.every(o => o.metadata.namespace === 'apt-mirror' || o.kind === 'Namespace')).toBe(true);
    const job = objects.find(o => o.kind === 'Job' && o.metadata.name.startsWith('mirror-build-'));
    expect(JSON.stringify(job)).toContain('registry.example.com/mini-mirror');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 900_000);
