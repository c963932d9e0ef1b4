// `mini-mirror push`: carries the OCI layout `mini-mirror build` wrote into a registry, with the
// in-cluster image step's write-once rule (bake-image-oci.sh): a tag that holds this build is left
// as it is, one that holds another build is refused and left unchanged. Credentials come from a
// file (skopeo's --authfile), never from argv, which ps and CI logs show.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, wantsHelp } from './args';
import { InputProblems, UsageError } from './errors';
import { layoutDigest } from './layout-digest';
import { Output } from './output';
import { IDENTITY_LABEL, notFound, skopeo, skopeoError } from './skopeo';
import { PUSH_USAGE } from './usage';

const VALUED = ['out', 'to', 'dest-tls-verify', 'dest-cert-dir', 'dest-authfile', 'authfile', 'timeout'];

/** What a tag or the layout holds: the manifest digest and the build identity label. */
interface Held {
  readonly digest: string;
  readonly identity?: string;
}

export function push(argv: string[], io: Output): number {
  if (wantsHelp(argv)) {
    io.out(PUSH_USAGE);
    return 0;
  }
  const args = parseArgs(argv, { valued: VALUED });
  if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
  const opt = (name: string) => args.options.get(name) as string | undefined;
  const missing = ['out', 'to'].filter(f => opt(f) === undefined);
  if (missing.length) throw new UsageError(`${missing.map(f => `--${f}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  if (opt('authfile') !== undefined && opt('dest-authfile') !== undefined) throw new UsageError('give --dest-authfile or --authfile, not both');

  const problems: string[] = [];
  const to = opt('to')!;
  // The tag may be left out: the layout's own (the build identity) is the one to push.
  const target = /^docker:\/\/([^/\s:]+(?::\d+)?\/[^\s@:]+)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$/.exec(to);
  if (!target) problems.push(`--to "${to}" is not a registry repository: give docker://REGISTRY/REPOSITORY[:TAG], e.g. docker://registry.example.com/mini-mirror (the tag is the build's)`);
  const tlsVerify = opt('dest-tls-verify');
  if (tlsVerify !== undefined && tlsVerify !== 'true' && tlsVerify !== 'false') problems.push(`--dest-tls-verify "${tlsVerify}" must be true or false`);
  const certDir = opt('dest-cert-dir');
  if (certDir !== undefined && !isDir(certDir)) problems.push(`--dest-cert-dir ${certDir} is not a directory: give the directory with the registry's CA certificate (*.crt)`);
  const authfile = opt('dest-authfile') ?? opt('authfile');
  if (authfile !== undefined && !fs.existsSync(authfile)) problems.push(`--${opt('authfile') !== undefined ? 'authfile' : 'dest-authfile'} ${authfile} does not exist: give a containers-auth.json (skopeo login --authfile FILE REGISTRY writes one)`);
  const timeout = opt('timeout') ?? '60';
  if (!/^[1-9]\d{0,4}$/.test(timeout)) problems.push(`--timeout "${timeout}" must be a whole number of seconds`);
  const layoutDir = path.join(opt('out')!, 'oci');
  if (!fs.existsSync(path.join(layoutDir, 'index.json'))) problems.push(`--out ${opt('out')} has no image (${path.join(layoutDir, 'index.json')} is missing): give the --out directory of a mini-mirror build that finished`);
  if (problems.length) throw new InputProblems(problems);

  const [, repository] = target!;
  const tag = target![2] ?? onlyTag(layoutDir);
  if (!layoutDigest(layoutDir, tag)) {
    throw new InputProblems([`${layoutDir} has no image tagged ${tag}: give --to with the tag mini-mirror build printed (built REPOSITORY:TAG)`]);
  }
  const seconds = Number(timeout);
  const source = `oci:${layoutDir}:${tag}`;
  const dest = `docker://${repository}:${tag}`;
  const destFlags = [
    ...(tlsVerify === 'false' ? ['--tls-verify=false'] : []),
    ...(certDir !== undefined ? ['--cert-dir', certDir] : []),
    ...(authfile !== undefined ? ['--authfile', authfile] : []),
  ];
  const ours = inspect(source, [], seconds);
  if (!ours) throw new InputProblems([`cannot read ${source}`]);
  if (!ours.identity) throw new InputProblems([`${source} has no build identity label (${IDENTITY_LABEL}): it was not made by mini-mirror build`]);

  const held = inspect(dest, destFlags, seconds);
  if (held) {
    if (held.identity === ours.identity) {
      io.out(`${repository}:${tag} already holds build ${ours.identity.slice(0, 12)} (${held.digest}): nothing to do (a tag is written once)`);
      io.out(`image: ${repository}@${held.digest}`);
      return 0;
    }
    const theirs = held.identity ? `build ${held.identity.slice(0, 12)} (${held.digest})` : `${held.digest}, an image without a build identity`;
    throw new InputProblems([`${repository}:${tag} already holds ${theirs}, not this build ${ours.identity.slice(0, 12)} (${ours.digest}): a tag is written once, so it is not overwritten and the registry is unchanged. Push this build under its own tag (the build identity, as mini-mirror build printed it)`]);
  }
  const copyFlags = [
    ...(tlsVerify === 'false' ? ['--dest-tls-verify=false'] : []),
    ...(certDir !== undefined ? ['--dest-cert-dir', certDir] : []),
    ...(authfile !== undefined ? ['--dest-authfile', authfile] : []),
  ];
  const copied = skopeo(['copy', '--quiet', '--preserve-digests', ...copyFlags, source, dest], Math.max(seconds, 3600));
  if (!copied.ok) throw new InputProblems([`copying ${source} to ${dest} failed: ${skopeoError(copied.stderr)}`]);
  // Read back: another push that raced this one, or a registry that rewrote the manifest, shows here.
  const after = inspect(dest, destFlags, seconds);
  if (after?.digest !== ours.digest) {
    throw new InputProblems([`${repository}:${tag} holds ${after?.digest ?? 'nothing'} after the push, not ${ours.digest}: another push raced this one, or the registry changed the manifest; turn on tag immutability in the registry and deploy by digest (--image-digest)`]);
  }
  io.out(`pushed ${repository}:${tag} (build ${ours.identity.slice(0, 12)})`);
  io.out(`image: ${repository}@${ours.digest}`);
  return 0;
}

/** What `ref` holds, or undefined when it does not exist; a registry that cannot be asked is an error. */
function inspect(ref: string, flags: string[], seconds: number): Held | undefined {
  const r = skopeo(['inspect', ...flags, '--format', `{{.Digest}} {{ index .Labels "${IDENTITY_LABEL}" }}`, ref], seconds);
  if (!r.ok) {
    if (notFound(r.stderr)) return undefined;
    throw new InputProblems([`cannot tell what ${ref.replace(/^docker:\/\//, '')} holds: ${skopeoError(r.stderr)}; check the registry address, --dest-tls-verify=false (plain HTTP), --dest-cert-dir (a private CA) and --dest-authfile (credentials)`]);
  }
  const [digest, label] = r.stdout.trim().split(' ');
  return { digest, identity: label && label !== '<no value>' ? label : undefined };
}

/** The one tag of the layout a build wrote. */
function onlyTag(layoutDir: string): string {
  const index = JSON.parse(fs.readFileSync(path.join(layoutDir, 'index.json'), 'utf8'));
  const tags: string[] = (index.manifests ?? []).map((m: any) => m.annotations?.['org.opencontainers.image.ref.name']).filter(Boolean);
  if (tags.length !== 1) throw new InputProblems([`${layoutDir} has ${tags.length ? `the tags ${tags.join(', ')}` : 'no tag'}: give --to with the tag to push (REPOSITORY:TAG)`]);
  return tags[0];
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
