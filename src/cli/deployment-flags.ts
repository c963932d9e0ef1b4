// Command-line flags for the construct options a seed user needs beyond the sources: how the
// mirror is served (the seed's Service type and port, replicas, Ingress), how the build runs
// (proxy, images, parallelism, timeouts, workspace, registry trust). Each maps onto the prop of
// the same meaning; the construct validates the values as it does for TypeScript users.
import { Duration, Size } from 'cdk8s';
import { ParsedArgs } from './args';
import { resolveBaseImage } from './base-image';
import { messageOf } from './errors';
import { checkImageFlag, checkProxyFlag } from './flag-checks';
import { BuildOptions } from '../build-job/build-options';
import { ImageBuilder } from '../build-job/image-builder';
import { RegistryCa } from '../build-job/registry-ca';
import { MiniMirrorProps } from '../mini-mirror';
import { ServingServiceType } from '../serving/service-type';
import { ServingOptions } from '../serving/serving-options';

export const DEPLOYMENT_FLAGS = [
  'replicas', 'service-type', 'node-port', 'service-port', 'ingress-host', 'ingress-class', 'tls-secret',
  'http-proxy', 'https-proxy', 'no-proxy', 'mirror-image', 'builder-image', 'concurrency', 'retries', 'stall-timeout',
  'build-deadline', 'mirror-size-estimate', 'workspace-claim', 'registry-ca-configmap', 'registry-ca-secret',
  'smoke-test-image', 'base-image',
];
export const DEPLOYMENT_SWITCHES = ['insecure-registry', 'no-smoke-test'];

export type DeploymentProps = Pick<MiniMirrorProps, 'serving' | 'buildJob' | 'smokeTest'> & {
  readonly insecureRegistry?: boolean;
  readonly registryCa?: RegistryCa;
};

function wholeNumber(flag: string, value: string, problems: string[], min = 1): number | undefined {
  if (!/^\d+$/.test(value) || Number(value) < min) {
    problems.push(`--${flag} "${value}" must be a whole number of at least ${min}`);
    return undefined;
  }
  return Number(value);
}

/** `90s`, `30m`, `6h`, `1d` as a Duration. */
export function duration(flag: string, value: string, problems: string[]): Duration | undefined {
  const m = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!m) {
    problems.push(`--${flag} "${value}" is not a duration: write a whole number with s, m, h or d, e.g. 2m or 6h`);
    return undefined;
  }
  const n = Number(m[1]);
  return { s: Duration.seconds, m: Duration.minutes, h: Duration.hours, d: Duration.days }[m[2] as 's' | 'm' | 'h' | 'd'](n);
}

/** `10Gi`, `500Mi` as a Size. */
function size(flag: string, value: string, problems: string[]): Size | undefined {
  const m = /^(\d+)(Mi|Gi|Ti)$/.exec(value);
  if (!m) {
    problems.push(`--${flag} "${value}" is not a size: write a whole number with Mi, Gi or Ti, e.g. 50Gi`);
    return undefined;
  }
  const n = Number(m[1]);
  return { Mi: Size.mebibytes, Gi: Size.gibibytes, Ti: Size.tebibytes }[m[2] as 'Mi' | 'Gi' | 'Ti'](n);
}

function nameAndKey(value: string): [string, string | undefined] {
  const colon = value.indexOf(':');
  return colon < 0 ? [value, undefined] : [value.slice(0, colon), value.slice(colon + 1)];
}

/** The props the flags set (undefined where no flag is given); problems are added, not thrown. */
export function deploymentProps(args: ParsedArgs, problems: string[]): DeploymentProps {
  const flags = new FlagValues(args, problems);
  const serving = servingFrom(flags);
  const buildOptions = { ...buildOptionsFrom(flags), imageBuilder: imageBuilderFrom(flags, args.options.has('prebuilt')) };
  const smokeTestImage = checked(flags, 'smoke-test-image', v => checkImageFlag('smoke-test-image', v));
  if (smokeTestImage !== undefined && args.options.has('no-smoke-test')) problems.push('--smoke-test-image and --no-smoke-test exclude each other: give one');
  const registryCa = registryCaFrom(flags);
  const defined = <T extends object>(o: T): T | undefined => (Object.values(o).some(v => v !== undefined) ? o : undefined);
  return {
    serving: defined(serving),
    buildJob: defined(buildOptions),
    smokeTest: args.options.has('no-smoke-test') ? { enabled: false } : smokeTestImage !== undefined ? { image: smokeTestImage } : undefined,
    insecureRegistry: args.options.has('insecure-registry') || undefined,
    registryCa,
  };
}

/** The flags' values, parsed; a bad value adds its problem and reads as undefined. */
class FlagValues {
  public constructor(private readonly args: ParsedArgs, public readonly problems: string[]) {}

  public opt(name: string): string | undefined {
    return this.args.options.get(name) as string | undefined;
  }

  public num(name: string, min = 1): number | undefined {
    const value = this.opt(name);
    return value === undefined ? undefined : wholeNumber(name, value, this.problems, min);
  }

  public duration(name: string): Duration | undefined {
    const value = this.opt(name);
    return value === undefined ? undefined : duration(name, value, this.problems);
  }

  public size(name: string): Size | undefined {
    const value = this.opt(name);
    return value === undefined ? undefined : size(name, value, this.problems);
  }
}

function servingFrom(flags: FlagValues): ServingOptions {
  const { problems } = flags;
  let serviceType: ServingServiceType | undefined;
  const type = flags.opt('service-type');
  if (type !== undefined && !['clusterip', 'nodeport', 'loadbalancer'].includes(type)) {
    problems.push(`--service-type "${type}" must be clusterip, nodeport or loadbalancer`);
  } else if (type === 'nodeport' || flags.opt('node-port') !== undefined) {
    if (type !== undefined && type !== 'nodeport') problems.push(`--node-port needs --service-type nodeport (got ${type})`);
    else serviceType = ServingServiceType.nodePort(flags.num('node-port'));
  } else if (type === 'loadbalancer') {
    serviceType = ServingServiceType.loadBalancer();
  } else if (type === 'clusterip') {
    serviceType = ServingServiceType.clusterIp();
  }
  const ingressHost = flags.opt('ingress-host');
  for (const f of ['ingress-class', 'tls-secret']) {
    if (flags.opt(f) !== undefined && ingressHost === undefined) problems.push(`--${f} needs --ingress-host`);
  }
  return {
    replicas: flags.num('replicas'),
    serviceType,
    servicePort: flags.num('service-port'),
    ingress: ingressHost === undefined ? undefined : { host: ingressHost, ingressClassName: flags.opt('ingress-class'), tlsSecretName: flags.opt('tls-secret') },
  };
}

/** A flag's value when `check` finds nothing wrong with it, else undefined with the problem added. */
function checked(flags: FlagValues, name: string, check: (value: string) => string | undefined): string | undefined {
  const value = flags.opt(name);
  const problem = value === undefined ? undefined : check(value);
  if (problem) flags.problems.push(problem);
  return problem ? undefined : value;
}

function buildOptionsFrom(flags: FlagValues): BuildOptions {
  const opt = (name: string) => flags.opt(name);
  const proxyFlag = (flag: string, variable: string) => checked(flags, flag, v => checkProxyFlag(flag, variable, v));
  const proxy = ['http-proxy', 'https-proxy', 'no-proxy'].some(f => opt(f) !== undefined)
    ? { httpProxy: proxyFlag('http-proxy', 'HTTP_PROXY'), httpsProxy: proxyFlag('https-proxy', 'HTTPS_PROXY'), noProxy: proxyFlag('no-proxy', 'NO_PROXY') } : undefined;
  return {
    mirrorImage: checked(flags, 'mirror-image', v => checkImageFlag('mirror-image', v)),
    builderImage: checked(flags, 'builder-image', v => checkImageFlag('builder-image', v)),
    concurrency: flags.num('concurrency'),
    retries: flags.num('retries'),
    stallTimeout: flags.duration('stall-timeout'),
    activeDeadline: flags.duration('build-deadline'),
    mirrorSizeEstimate: flags.size('mirror-size-estimate'),
    workspaceVolumeClaim: opt('workspace-claim'),
    proxy,
  };
}

/**
 * `--base-image`: the skopeo image step's base. With --prebuilt it is resolved to its digest as
 * `mini-mirror build` resolves it (base-image.ts), so both compute the same build identity; an
 * oci: layout is a base for those two only (the build Job pulls from a registry).
 */
function imageBuilderFrom(flags: FlagValues, prebuilt: boolean): ImageBuilder | undefined {
  const ref = flags.opt('base-image');
  if (ref === undefined) return undefined;
  const layout = /^(oci|oci-archive|docker-archive|dir):/.test(ref);
  if (!prebuilt && layout) {
    flags.problems.push(`--base-image ${ref} is a local layout: the build Job pulls its base image from a registry; give a registry image, or use it with mini-mirror build (and synth --prebuilt)`);
    return undefined;
  }
  if (!prebuilt) {
    const problem = checkImageFlag('base-image', ref.replace(/^docker:\/\//, ''));
    if (problem) flags.problems.push(problem);
    return problem ? undefined : ImageBuilder.skopeo({ baseImage: ref.replace(/^docker:\/\//, '') });
  }
  try {
    return ImageBuilder.skopeo({ baseImage: resolveBaseImage(ref).pinned });
  } catch (e) {
    flags.problems.push(messageOf(e));
    return undefined;
  }
}

function registryCaFrom(flags: FlagValues): RegistryCa | undefined {
  const caConfigMap = flags.opt('registry-ca-configmap');
  const caSecret = flags.opt('registry-ca-secret');
  if (caConfigMap !== undefined && caSecret !== undefined) flags.problems.push('give --registry-ca-configmap or --registry-ca-secret, not both');
  else if (caConfigMap !== undefined) return RegistryCa.fromConfigMap(...nameAndKey(caConfigMap));
  else if (caSecret !== undefined) return RegistryCa.fromSecret(...nameAndKey(caSecret));
  return undefined;
}
