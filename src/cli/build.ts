import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { parseArgs, wantsHelp } from './args';
import { InputProblems, UsageError } from './errors';
import { BuildInterrupted } from './interrupts';
import { layoutDigest } from './layout-digest';
import { localBuild, missingTools } from './local-build';
import { Output } from './output';
import { synth } from './synth';
import { BUILD_USAGE } from './usage';

/** Options of `build` itself; every other option is synth's, passed on unchanged. */
const BUILD_ONLY = ['signing-key', 'passphrase-file', 'base-image', 'out', 'previous-manifest', 'rollback-to'];

/**
 * `mini-mirror build`: synthesizes exactly what `synth` would (same options, so the same build
 * identity and image tag), then runs the build Job's steps on this host.
 */
export function build(argv: string[], io: Output): number | Promise<number> {
  if (wantsHelp(argv)) {
    io.out(BUILD_USAGE);
    return 0;
  }
  const { own, rest } = splitOwnOptions(argv);
  const args = parseArgs(own, { valued: BUILD_ONLY });
  const unsigned = rest.includes('--insecure-unsigned');
  if (!unsigned && !args.options.has('signing-key')) throw new UsageError('--signing-key is required (the armored private key the signing Secret would hold), or --insecure-unsigned');
  if (!rest.some(a => a === '--signing-secret' || a.startsWith('--signing-secret=')) && !unsigned) rest.push('--signing-secret', 'mirror-signing');
  const previous = args.options.get('previous-manifest') as string | undefined;
  const previousIsUrl = previous !== undefined && /^https?:\/\//i.test(previous);
  const files: Record<string, string | undefined> = {
    'signing-key': args.options.get('signing-key') as string,
    'passphrase-file': args.options.get('passphrase-file') as string,
    'previous-manifest': previousIsUrl ? undefined : previous,
  };
  checkHost(files);
  const rollbackTo = rollbackTarget(args.options.get('rollback-to') as string | undefined, previous);
  return buildOnHost(args, rest, { files, previous: previousIsUrl ? previous : files['previous-manifest'] && path.resolve(previous!), rollbackTo }, io);
}

/** Synthesizes, then builds; waits for the build's processes. */
async function buildOnHost(args: ReturnType<typeof parseArgs>, rest: string[],
  inputs: { files: Record<string, string | undefined>; previous?: string; rollbackTo?: { tree: string; tag: string } }, io: Output): Promise<number> {
  const { files } = inputs;
  const unsigned = rest.includes('--insecure-unsigned');
  const yamlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-mirror-build-'));
  try {
    const quiet: Output = { out: () => undefined, err: line => io.err(line) };
    synth([...rest, '--out', yamlDir], quiet);
    const manifestFile = path.join(yamlDir, fs.readdirSync(yamlDir).find(f => f.endsWith('.k8s.yaml'))!);
    const signingFiles = unsigned ? {} : signingFilesOf(manifestFile, files['signing-key']!, files['passphrase-file']);
    const result = await localBuild({
      manifestFile,
      signingFiles,
      baseImage: args.options.get('base-image') as string | undefined,
      out: (args.options.get('out') as string | undefined) ?? 'mini-mirror-build',
      previousManifest: inputs.previous,
      rollbackFrom: inputs.rollbackTo?.tree,
      imageTag: inputs.rollbackTo?.tag,
    }, io);
    const tag = result.imageRef.slice(result.imageRef.lastIndexOf(':') + 1);
    const repository = result.imageRef.replace(/:[^:]+$/, '');
    const digest = layoutDigest(result.layout.replace(/^oci:/, '').replace(/:[^:]+$/, ''), tag);
    io.out(`built ${result.imageRef} (build ${result.identity.slice(0, 12)}) as ${result.layout}`);
    if (digest) io.out(`image: ${repository}@${digest}`);
    io.out('next: copy it into the registry the air-gapped cluster pulls from (skopeo keeps the digest), then synthesize the serving side with the same options and --prebuilt:');
    io.out(`  skopeo copy ${result.layout} docker://${result.imageRef}`);
    io.out(digest
      ? `  mini-mirror synth <the same options> --prebuilt --image-digest ${digest}     # serves ${repository}@${digest}, no build Job`
      : `  mini-mirror synth <the same options> --prebuilt     # serves ${repository}:${tag}, no build Job`);
    return 0;
  } catch (e) {
    if (!(e instanceof BuildInterrupted)) throw e;
    io.err(`mini-mirror: ${e.message}`);
    return e.exitCode;
  } finally {
    fs.rmSync(yamlDir, { recursive: true, force: true });
  }
}

/**
 * The tree of `--rollback-to DIR` (an earlier --out, or its public/) and the new image's tag, from
 * the old and the served manifests (the same rollback gives the same tag, never the old build's).
 */
function rollbackTarget(dir: string | undefined, previous: string | undefined): { tree: string; tag: string } | undefined {
  if (dir === undefined) return undefined;
  const tree = [path.resolve(dir, 'public'), path.resolve(dir)].find(d => fs.existsSync(path.join(d, 'manifest.json')));
  const problems: string[] = [];
  if (!tree) problems.push(`--rollback-to ${dir} holds no earlier build: give the --out directory of that build (with public/manifest.json), or its public/`);
  if (previous === undefined) {
    problems.push('--rollback-to needs --previous-manifest FILE|URL, the manifest.json of the build served now: the rollback is dated after it, or clients ignore it');
  }
  if (problems.length) throw new InputProblems(problems);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(path.join(tree!, 'manifest.json')));
  hash.update('\n').update(/^https?:\/\//i.test(previous!) ? previous! : fs.readFileSync(previous!));
  return { tree: tree!, tag: `rollback-${hash.digest('hex').slice(0, 16)}` };
}

/** Build's own options (with their values), and the rest: synth's, which synth checks. */
function splitOwnOptions(argv: string[]): { own: string[]; rest: string[] } {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '').split('=')[0];
    if (argv[i].startsWith('--') && BUILD_ONLY.includes(name)) {
      own.push(argv[i]);
      if (!argv[i].includes('=') && i + 1 < argv.length) own.push(argv[++i]);
    } else {
      rest.push(argv[i]);
    }
  }
  return { own, rest };
}

/** The host's tools and the given files, every problem at once. */
function checkHost(files: Record<string, string | undefined>): void {
  const problems: string[] = [];
  const missing = missingTools();
  if (missing.length) {
    problems.push(`missing tools on this host: install them with \`apt-get install -y ${missing.join(' ')}\` (Debian or Ubuntu), or run the build Job in a connected cluster instead`);
  }
  for (const [flag, file] of Object.entries(files)) {
    if (file !== undefined && !fs.existsSync(file)) problems.push(`--${flag} ${file} does not exist`);
  }
  if (problems.length) throw new InputProblems(problems);
}

/** The signing Secret's keys as build.json names them, filled from the given files. */
function signingFilesOf(manifestFile: string, signingKey: string, passphraseFile: string | undefined): Record<string, string> {
  const objects = YAML.parseAllDocuments(fs.readFileSync(manifestFile, 'utf8')).map(d => d.toJSON());
  const buildJson = objects.find(o => o?.kind === 'ConfigMap' && o.data?.['build.json'])?.data['build.json'];
  const signing = buildJson ? JSON.parse(buildJson).signing ?? {} : {};
  const privateKeyFile: string = signing.privateKeyFile ?? 'signing-key.asc';
  const passphraseKey: string | undefined = signing.passphraseFile ?? undefined;
  if (passphraseKey && !passphraseFile) throw new InputProblems([`the signing key has a passphrase (--passphrase-key ${passphraseKey}): give --passphrase-file`]);
  return { [privateKeyFile]: signingKey, ...(passphraseKey && passphraseFile ? { [passphraseKey]: passphraseFile } : {}) };
}
