import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { ParsedArgs, parseArgs, wantsHelp } from './args';
import { DEPLOYMENT_FLAGS, DEPLOYMENT_SWITCHES, DeploymentProps, deploymentProps, duration } from './deployment-flags';
import { InputProblems, messageOf, UsageError } from './errors';
import { architecturesFrom, checkImageRepository, checkName, checkNamespace, checkSecretKey, checkSecretName } from './flag-checks';
import { withHints } from './hints';
import { imageReport, imagesOf } from './image-report';
import { loadSources } from './load-sources';
import { Output } from './output';
import { rollbackFromFlag } from './rollback-flag';
import { SOURCE_FLAGS, sourceFlagWarnings, sourceLoadOptions } from './source-flags';
import { SYNTH_USAGE } from './usage';
import { validForSeconds } from '../build-job/build-config';
import { checkRefreshEpoch } from '../build-job/build-identity';
import { checkImageDigest } from '../build-job/image-digest';
import { checkKeyPath } from '../clients/deb822';
import { MiniMirror } from '../mini-mirror';
import { inspectPublicKey } from '../signing/public-key';
import { ReleaseSigning } from '../signing/release-signing';
import { MirrorSource } from '../sources/mirror-source';
import { SourceLoadOptions } from '../sources/seed/load-options';

const SIGNING_FLAGS = ['signing-secret', 'public-key', 'passphrase-key', 'private-key-key'];
/** `mini-mirror build`'s own options: accepted and ignored, so build and synth take one set of options. */
const BUILD_ONLY = ['signing-key', 'passphrase-file', 'previous-manifest', 'from-tree', 'src-tls-verify', 'src-cert-dir', 'src-authfile'];
const VALUED = [...BUILD_ONLY, 'rollback-to', 'sources', 'image', 'image-digest', 'refresh-epoch', 'valid-for', 'push-secret', 'pull-secret', 'client-key-path', 'base-url', 'namespace', 'name', 'out', ...SIGNING_FLAGS];

/**
 * `mini-mirror synth`: checks the command line (exit 2), then every option value, the public
 * key and the sources, reporting all problems of one run together (exit 1), then writes the YAML.
 */
export function synth(argv: string[], io: Output): number {
  if (wantsHelp(argv)) {
    io.out(SYNTH_USAGE);
    return 0;
  }
  const args = parseArgs(argv, {
    valued: [...VALUED, ...DEPLOYMENT_FLAGS],
    repeatable: [...SOURCE_FLAGS, 'architecture'],
    switches: ['insecure-unsigned', 'prebuilt', 'no-recommends', ...DEPLOYMENT_SWITCHES],
  });
  const unsigned = checkCommandLine(args);
  const inputs = synthInputs(args, unsigned);
  const app = new App({ outdir: path.resolve(inputs.outdir) });
  const chart = new Chart(app, inputs.name, { namespace: inputs.namespace, disableResourceNameHashes: true });
  const mirror = miniMirror(chart, args, inputs);
  try {
    app.synth();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code ? new Error(`cannot write to --out ${inputs.outdir}: ${code}`) : e;
  }
  const opt = (name: string) => args.options.get(name) as string | undefined;
  const built = args.options.has('prebuilt') ? 'no build Job (--prebuilt)' : `build Job ${mirror.buildJob.jobName}`;
  const digest = args.options.get('image-digest') as string | undefined;
  const served = digest !== undefined ? `${mirror.imageRef} (served as @${digest})` : mirror.imageRef;
  io.out(`wrote ${path.join(app.outdir, `${inputs.name}.k8s.yaml`)}: ${built}, image ${served}`
    + (inputs.refreshEpoch !== undefined ? `, refresh epoch ${inputs.refreshEpoch}` : ''));
  for (const warning of sourceFlagWarnings(inputs.options)) io.err(warning);
  // With --prebuilt the host build did the rollback; without, the build Job does it.
  const ignored = [...BUILD_ONLY, ...(args.options.has('prebuilt') ? ['rollback-to'] : [])].filter(f => args.options.has(f));
  if (ignored.length) io.err(`note: ${ignored.map(f => `--${f}`).join(', ')} only matter${ignored.length > 1 ? '' : 's'} to mini-mirror build: ignored`);
  if (args.options.has('prebuilt')) {
    for (const line of imageReport(imagesOf(path.join(app.outdir, `${inputs.name}.k8s.yaml`)), opt('image')!)) io.err(line);
  }
  if (unsigned) io.err('warning: the mirror is NOT signed; clients will trust it blindly. Never use this in production.');
  return 0;
}

/** Everything the options say, checked: every problem of the run in one `InputProblems`. */
interface SynthInputs {
  readonly name: string;
  readonly namespace?: string;
  readonly outdir: string;
  readonly refreshEpoch?: string;
  readonly validFor?: Duration;
  readonly architectures?: string[];
  readonly signing: ReleaseSigning;
  readonly options: SourceLoadOptions;
  readonly deployment: DeploymentProps;
  readonly sources: MirrorSource[];
}

function synthInputs(args: ParsedArgs, unsigned: boolean): SynthInputs {
  const problems: string[] = [];
  const opt = (name: string) => args.options.get(name) as string | undefined;
  checkOptionValues(args, problems);
  const architectures = architecturesFrom(args.lists.get('architecture') ?? [], problems);
  const validFor = validForFrom(opt('valid-for'), problems);
  const signing = unsigned ? ReleaseSigning.insecureUnsigned() : signingFrom(args, problems);
  const options = sourceLoadOptions(args, problems);
  const flagged = deploymentProps(args, problems);
  const rollbackTo = rollbackFromFlag(args, problems);
  const deployment = rollbackTo ? { ...flagged, buildJob: { ...flagged.buildJob, rollbackTo } } : flagged;
  let sources: MirrorSource[] = [];
  try {
    sources = loadSources(`--sources ${opt('sources')}`, opt('sources')!, options);
  } catch (e) {
    problems.push(messageOf(e));
  }
  if (problems.length) throw new InputProblems(problems);
  return {
    name: opt('name') ?? 'mirror',
    namespace: opt('namespace'),
    outdir: opt('out') ?? 'dist',
    refreshEpoch: opt('refresh-epoch'),
    validFor,
    architectures,
    signing: signing!,
    options,
    deployment,
    sources,
  };
}

/** The values of the plain options (names, image, Secrets, paths, epoch); problems are added. */
function checkOptionValues(args: ParsedArgs, problems: string[]): void {
  const opt = (name: string) => args.options.get(name) as string | undefined;
  const add = (message: string | undefined) => message && problems.push(message);
  add(checkName(opt('name') ?? 'mirror'));
  if (opt('namespace') !== undefined) add(checkNamespace(opt('namespace')!));
  add(checkImageRepository(opt('image')!));
  if (opt('image-digest') !== undefined) {
    try {
      checkImageDigest('--image-digest', opt('image-digest')!);
    } catch (e) {
      problems.push(messageOf(e));
    }
  }
  for (const flag of ['push-secret', 'pull-secret']) {
    if (opt(flag) !== undefined) add(checkSecretName(flag, opt(flag)!));
  }
  const clientKeyPath = opt('client-key-path');
  if (clientKeyPath !== undefined) add(checkKeyPath(clientKeyPath) && `--client-key-path ${checkKeyPath(clientKeyPath)}`);
  add(checkOutDir(opt('out') ?? 'dist'));
  const refreshEpoch = opt('refresh-epoch');
  if (refreshEpoch !== undefined) {
    try {
      checkRefreshEpoch(refreshEpoch);
    } catch (e) {
      problems.push(`--refresh-epoch: ${messageOf(e)}`);
    }
  }
}

/** `--valid-for 14d` as a Duration, checked as the construct checks it. */
function validForFrom(value: string | undefined, problems: string[]): Duration | undefined {
  if (value === undefined) return undefined;
  const validFor = duration('valid-for', value, problems);
  if (!validFor) return undefined;
  try {
    validForSeconds(validFor);
  } catch (e) {
    problems.push(`--valid-for: ${messageOf(e)}`);
  }
  return validFor;
}

/** The construct, with the CLI's hints on its errors. */
function miniMirror(chart: Chart, args: ParsedArgs, inputs: SynthInputs): MiniMirror {
  const opt = (name: string) => args.options.get(name) as string | undefined;
  const { deployment } = inputs;
  const clientKeyPath = opt('client-key-path');
  try {
    return new MiniMirror(chart, inputs.name, {
      sources: inputs.sources,
      signing: inputs.signing,
      image: {
        repository: opt('image')!,
        digest: opt('image-digest'),
        pushSecretName: opt('push-secret'),
        pullSecretName: opt('pull-secret'),
        insecureRegistry: deployment.insecureRegistry,
        registryCa: deployment.registryCa,
      },
      serving: deployment.serving,
      buildJob: deployment.buildJob,
      smokeTest: deployment.smokeTest,
      clients: clientKeyPath !== undefined || opt('base-url') !== undefined ? { keyPath: clientKeyPath, baseUrl: opt('base-url') } : undefined,
      architectures: inputs.architectures,
      recommends: args.options.has('no-recommends') ? false : undefined,
      refreshEpoch: inputs.refreshEpoch,
      validFor: inputs.validFor,
      inClusterBuild: !args.options.has('prebuilt'),
    });
  } catch (e) {
    throw new Error(withHints(e));
  }
}

/** Usage errors: arguments, conflicts and missing required options. Returns whether unsigned. */
function checkCommandLine(args: ParsedArgs): boolean {
  if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
  const unsigned = args.options.has('insecure-unsigned');
  const conflicting = SIGNING_FLAGS.filter(f => args.options.has(f));
  if (unsigned && conflicting.length) throw new UsageError(`--insecure-unsigned excludes ${conflicting.map(f => `--${f}`).join(', ')}`);
  const required = ['sources', ...(unsigned ? [] : ['signing-secret', 'public-key']), 'image'];
  const missing = required.filter(f => !args.options.has(f)).map(f => `--${f}`);
  if (missing.length === 1) throw new UsageError(`${missing[0]} is required`);
  if (missing.length) throw new UsageError(`${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]} are required`);
  return unsigned;
}

/** The signing settings, or undefined with the problems added (all of them, not the first). */
function signingFrom(args: ParsedArgs, problems: string[]): ReleaseSigning | undefined {
  const secretName = args.options.get('signing-secret') as string;
  const keyFile = args.options.get('public-key') as string;
  const passphraseKey = args.options.get('passphrase-key') as string | undefined;
  const privateKeyKey = args.options.get('private-key-key') as string | undefined;
  const before = problems.length;
  const add = (message: string | undefined) => message && problems.push(message);
  add(checkSecretName('signing-secret', secretName));
  if (passphraseKey !== undefined) add(checkSecretKey('passphrase-key', passphraseKey));
  if (privateKeyKey !== undefined) add(checkSecretKey('private-key-key', privateKeyKey));
  if (passphraseKey !== undefined && passphraseKey === (privateKeyKey ?? 'signing-key.asc')) {
    problems.push(`--passphrase-key "${passphraseKey}" is also the private key's Secret key: give them different keys`);
  }
  const publicKey = readPublicKey(keyFile, problems);
  if (publicKey === undefined) return undefined;
  try {
    if (problems.length > before) {
      // The Secret settings are wrong already; still check the key, so this run reports it too.
      inspectPublicKey(publicKey);
      return undefined;
    }
    return ReleaseSigning.fromSecret({ secretName, publicKey, passphraseKey, privateKeyKey });
  } catch (e) {
    problems.push(`--public-key ${keyFile}: ${messageOf(e)}`);
    return undefined;
  }
}

function readPublicKey(file: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push(code === 'ENOENT' ? `--public-key ${file} does not exist: give the file with the armored public key (gpg --armor --export <fingerprint>)`
      : code === 'EISDIR' ? `--public-key ${file} is a directory: give the file with the armored public key`
        : `cannot read --public-key ${file}: ${code ?? messageOf(e)}`);
    return undefined;
  }
}

/** Writing creates the directory and its parents; a file in the way would fail with EEXIST or ENOTDIR. */
function checkOutDir(outdir: string): string | undefined {
  const target = path.resolve(outdir);
  for (let dir = target; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      return undefined; // e.g. EACCES: writing reports it
    }
    if (stat.isDirectory()) return undefined;
    return dir === target ? `--out ${outdir} is a file: give a directory` : `--out ${outdir} is below the file ${dir}: give a directory`;
  }
  return undefined;
}
