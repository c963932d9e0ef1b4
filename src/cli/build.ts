import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { parseArgs, wantsHelp } from './args';
import { resolveBaseImage } from './base-image';
import { InputProblems, UsageError } from './errors';
import { BuildInterrupted } from './interrupts';
import { layoutDigest } from './layout-digest';
import { localBuild, missingTools } from './local-build';
import { Output } from './output';
import { extractImageTree, imageRefProblems, isImageRef, RollbackSource, rollbackWorkDir } from './rollback-image';
import { synth } from './synth';
import { BUILD_USAGE } from './usage';
import { DEFAULT_SERVING_BASE } from '../build-job/image-builder';
import { BUILD_JSON_DEFAULTS, BUILD_JSON_FILE, SigningConfig } from '../contract/build-json';

/** Options of `build` itself; every other option is synth's, passed on unchanged. */
const BUILD_ONLY = ['signing-key', 'passphrase-file', 'base-image', 'out', 'previous-manifest', 'from-tree', 'rollback-to', 'src-tls-verify', 'src-cert-dir', 'src-authfile'];

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
  const fromTree = args.options.get('from-tree') as string | undefined;
  // A kept tree is signed already: baking it needs no key.
  if (!unsigned && !fromTree && !args.options.has('signing-key')) throw new UsageError('--signing-key is required (the armored private key the signing Secret would hold), or --insecure-unsigned');
  if (!rest.some(a => a === '--signing-secret' || a.startsWith('--signing-secret=')) && !unsigned) rest.push('--signing-secret', 'mirror-signing');
  const previous = args.options.get('previous-manifest') as string | undefined;
  const previousIsUrl = previous !== undefined && /^https?:\/\//i.test(previous);
  const files: Record<string, string | undefined> = {
    'signing-key': args.options.get('signing-key') as string,
    'passphrase-file': args.options.get('passphrase-file') as string,
    'previous-manifest': previousIsUrl ? undefined : previous,
  };
  checkHost(files);
  const tree = fromTree === undefined ? undefined : keptTree(fromTree);
  // Before anything else: an unreachable base image fails in seconds, not after the mirroring.
  const givenBase = args.options.get('base-image') as string | undefined;
  const base = resolveBaseImage(givenBase ?? DEFAULT_SERVING_BASE);
  // A given base image is part of the build identity by its digest (synth --prebuilt resolves it alike).
  if (givenBase !== undefined) rest.push('--base-image', base.pinned);
  const rollbackTo = rollbackTarget(args.options.get('rollback-to') as string | undefined, previous, rollbackSource(args));
  // The fetched image's tree is removed however the build ends.
  return buildOnHost(args, rest, { files, previous: previousIsUrl ? previous : files['previous-manifest'] && path.resolve(previous!), baseImage: base.source, fromTree: tree, rollbackTo }, io)
    .finally(() => rollbackTo?.cleanup?.());
}

/** What the host build takes besides synth's options. */
interface HostInputs {
  readonly files: Record<string, string | undefined>;
  readonly previous?: string;
  readonly baseImage: string;
  readonly fromTree?: string;
  readonly rollbackTo?: RollbackTarget;
}

/** The tree a rollback serves again, the new image's tag, and what removes a fetched image's files. */
interface RollbackTarget {
  readonly tree: string;
  readonly tag: string;
  readonly cleanup?: () => void;
}

/** Synthesizes, then builds; waits for the build's processes. */
async function buildOnHost(args: ReturnType<typeof parseArgs>, rest: string[], inputs: HostInputs, io: Output): Promise<number> {
  const { files } = inputs;
  const unsigned = rest.includes('--insecure-unsigned');
  const yamlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-mirror-build-'));
  try {
    const quiet: Output = { out: () => undefined, err: line => io.err(line) };
    synth([...rest, '--out', yamlDir], quiet);
    const manifestFile = path.join(yamlDir, fs.readdirSync(yamlDir).find(f => f.endsWith('.k8s.yaml'))!);
    const signingFiles = unsigned || inputs.fromTree ? {} : signingFilesOf(manifestFile, files['signing-key']!, files['passphrase-file']);
    const result = await localBuild({
      manifestFile,
      signingFiles,
      baseImage: inputs.baseImage,
      fromTree: inputs.fromTree,
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
    io.out(`base image: ${inputs.baseImage}`);
    io.out('next: copy it into the registry the air-gapped cluster pulls from (the digest stays), then synthesize the serving side with the same options and --prebuilt:');
    io.out(`  mini-mirror push --out ${args.options.get('out') ?? 'mini-mirror-build'} --to docker://${result.imageRef}`);
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
 * The tree of `--rollback-to DIR` (an earlier --out, or its public/) or of `--rollback-to IMAGE`
 * (docker://REG/REPO:TAG or oci:DIR:TAG, fetched into a temporary directory) and the new image's
 * tag, from the old and the served manifests (the same rollback gives the same tag, never the old build's).
 */
function rollbackTarget(dir: string | undefined, previous: string | undefined, source: RollbackSource): RollbackTarget | undefined {
  if (dir === undefined) return undefined;
  const image = isImageRef(dir);
  const tree = image ? undefined : [path.resolve(dir, 'public'), path.resolve(dir)].find(d => fs.existsSync(path.join(d, 'manifest.json')));
  const problems: string[] = image ? imageRefProblems(dir, source) : [];
  if (!image && !tree) problems.push(`--rollback-to ${dir} holds no earlier build: give the --out directory of that build (with public/manifest.json), its public/, or its image (docker://REGISTRY/REPOSITORY:TAG)`);
  if (previous === undefined) {
    problems.push('--rollback-to needs --previous-manifest FILE|URL, the manifest.json of the build served now: the rollback is dated after it, or clients ignore it');
  }
  if (problems.length) throw new InputProblems(problems);
  if (!image) return { tree: tree!, tag: rollbackTag(tree!, previous!) };
  const work = rollbackWorkDir();
  const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
  try {
    const fetched = extractImageTree(dir, source, work);
    return { tree: fetched, tag: rollbackTag(fetched, previous!), cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** `rollback-<hash>` of the old build's manifest and the served one. */
function rollbackTag(tree: string, previous: string): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(path.join(tree, 'manifest.json')));
  hash.update('\n').update(/^https?:\/\//i.test(previous) ? previous : fs.readFileSync(previous));
  return `rollback-${hash.digest('hex').slice(0, 16)}`;
}

/** How to reach the registry of `--rollback-to docker://...` (push's options, as skopeo's --src-*). */
function rollbackSource(args: ReturnType<typeof parseArgs>): RollbackSource {
  const tlsVerify = args.options.get('src-tls-verify') as string | undefined;
  if (tlsVerify !== undefined && tlsVerify !== 'true' && tlsVerify !== 'false') throw new InputProblems([`--src-tls-verify "${tlsVerify}" must be true or false`]);
  return {
    tlsVerify: tlsVerify === undefined ? undefined : tlsVerify === 'true',
    certDir: args.options.get('src-cert-dir') as string | undefined,
    authfile: args.options.get('src-authfile') as string | undefined,
  };
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

/** The published tree of `--from-tree DIR`: DIR/public (an earlier build's --out) or DIR itself. */
function keptTree(dir: string): string {
  for (const tree of [path.join(dir, 'public'), dir]) {
    if (fs.existsSync(path.join(tree, 'manifest.json'))) return path.resolve(tree);
  }
  throw new InputProblems([`--from-tree ${dir} holds no published tree (no manifest.json in it or in its public/): give the --out of the build whose image step failed, or its public/`]);
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
  const buildJson = objects.find(o => o?.kind === 'ConfigMap' && o.data?.[BUILD_JSON_FILE])?.data[BUILD_JSON_FILE];
  // Unsigned builds never get here: the signing is a key's.
  const signing: Partial<Extract<SigningConfig, { mode: 'key' }>> = buildJson ? JSON.parse(buildJson).signing ?? {} : {};
  const privateKeyFile: string = signing.privateKeyFile ?? BUILD_JSON_DEFAULTS.privateKeyFile;
  const passphraseKey: string | undefined = signing.passphraseFile ?? undefined;
  if (passphraseKey && !passphraseFile) throw new InputProblems([`the signing key has a passphrase (--passphrase-key ${passphraseKey}): give --passphrase-file`]);
  return { [privateKeyFile]: signingKey, ...(passphraseKey && passphraseFile ? { [passphraseKey]: passphraseFile } : {}) };
}
