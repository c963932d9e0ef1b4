import * as crypto from 'crypto';
import { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { IContainer } from 'kubernetes-models/v1/Container';
import { IPod } from 'kubernetes-models/v1/Pod';
import { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { ISecret } from 'kubernetes-models/v1/Secret';
import { fail } from './errors';
import { PodSourceOptions, SecretContent } from './types';

export type ObjectMeta = NonNullable<IPod['metadata']>;

/**
 * A synthesized object as the runner sees it before looking at its kind. The manifests are plain
 * parsed objects: past this point they are read through the kubernetes-models types of their kind,
 * and values that could be of another type at run time go through `String(...)` where it matters.
 */
export interface Manifest {
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
}

/** Job, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController: the pod template is spec.template */
interface WorkloadWithTemplate extends Manifest {
  readonly spec?: { readonly template?: IPodTemplateSpec };
}

/** The pod to run and where its references are looked up. */
export interface PodContext {
  readonly opts: PodSourceOptions;
  readonly manifests: Manifest[];
  /** e.g. 'Job/foo', for messages */
  readonly ref: string;
  readonly meta: ObjectMeta;
  readonly spec: IPodSpec;
  readonly podName: string;
  readonly namespace: string;
  readonly uid: string;
}

export interface PodContainer {
  readonly c: IContainer;
  readonly init: boolean;
}

export type DataKind = 'ConfigMap' | 'Secret';

export function hasOwn(obj: object | undefined, key: string): boolean {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key);
}

function isManifest(m: unknown): m is Manifest {
  return m !== null && typeof m === 'object';
}

/** the object `opts` names, exactly one */
function findWorkload(manifests: Manifest[], opts: PodSourceOptions, ref: string): Manifest {
  const matches = manifests.filter(m => m.kind === opts.kind && m.metadata?.name === opts.name
    && (opts.namespace === undefined || (m.metadata?.namespace ?? 'default') === opts.namespace));
  if (matches.length === 0) {
    const have = manifests.map(m => `${m.kind}/${m.metadata?.name}`).join(', ');
    fail(`no ${ref} in the manifests (they contain: ${have || 'nothing'})`);
  }
  if (matches.length > 1) fail(`${ref} is ambiguous (${matches.length} objects); pass namespace`);
  return matches[0];
}

function podTemplate(obj: Manifest, ref: string): IPodTemplateSpec | undefined {
  switch (obj.kind) {
    case 'Pod': {
      const pod = obj as IPod;
      return { metadata: pod.metadata, spec: pod.spec };
    }
    case 'Job': case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'ReplicationController':
      return (obj as WorkloadWithTemplate).spec?.template;
    case 'CronJob': return (obj as ICronJob).spec?.jobTemplate?.spec?.template;
    default: return fail(`${ref}: kind ${obj.kind} has no pod template this runner knows`);
  }
}

/** the pod's metadata: the template's, plus the labels the Job controller adds to its pods */
function podMeta(obj: Manifest, template: IPodTemplateSpec): ObjectMeta {
  const meta = template.metadata ?? {};
  if (obj.kind !== 'Job') return meta;
  const jobUid = obj.metadata?.uid ?? crypto.randomUUID();
  const jobName = obj.metadata?.name;
  return {
    ...meta,
    labels: {
      ...meta.labels,
      'batch.kubernetes.io/controller-uid': jobUid,
      'batch.kubernetes.io/job-name': String(jobName),
      'controller-uid': jobUid,
      'job-name': String(jobName),
    },
  };
}

export function loadPod(opts: PodSourceOptions): PodContext {
  if (!Array.isArray(opts.manifests)) fail('manifests must be an array of objects');
  const manifests = opts.manifests.filter(isManifest);
  const ref = `${opts.kind}/${opts.name}`;
  const obj = findWorkload(manifests, opts, ref);
  const template = podTemplate(obj, ref);
  if (!template?.spec || !Array.isArray(template.spec.containers)) fail(`${ref}: no pod template spec with containers`);
  const uid = crypto.randomUUID();
  return {
    opts,
    manifests,
    ref,
    meta: podMeta(obj, template),
    spec: template.spec,
    podName: opts.podName ?? 'test-pod',
    namespace: obj.metadata?.namespace ?? 'default',
    uid,
  };
}

/** init containers, then containers, in order */
export function allContainers(ctx: PodContext): PodContainer[] {
  return [
    ...(ctx.spec.initContainers ?? []).map(c => ({ c, init: true })),
    ...ctx.spec.containers.map(c => ({ c, init: false })),
  ];
}

function callerSecret(content: Record<string, SecretContent>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(content)) out.set(k, Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
  return out;
}

function configMapData(obj: IConfigMap, name: string, dataOnly: boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
  if (dataOnly) return out;
  for (const [k, v] of Object.entries(obj.binaryData ?? {})) {
    if (out.has(k)) fail(`ConfigMap "${name}": key "${k}" is in both data and binaryData`);
    out.set(k, Buffer.from(String(v), 'base64'));
  }
  return out;
}

function secretData(obj: ISecret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
  for (const [k, v] of Object.entries(obj.stringData ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
  return out;
}

/** key -> content of a ConfigMap (data + binaryData) or Secret (opts.secrets, else data + stringData); undefined when absent */
export function lookupData(ctx: PodContext, kind: DataKind, name: string | undefined, dataOnly = false): Map<string, Buffer> | undefined {
  if (typeof name !== 'string' || name === '') fail(`${ctx.ref}: a ${kind} reference without a name`);
  const secrets = ctx.opts.secrets;
  if (kind === 'Secret' && secrets !== undefined && hasOwn(secrets, name)) return callerSecret(secrets[name]);
  const objs = ctx.manifests.filter(m => m.kind === kind && m.metadata?.name === name
    && (m.metadata?.namespace ?? ctx.namespace) === ctx.namespace);
  if (objs.length === 0) return undefined;
  if (objs.length > 1) fail(`${kind} "${name}" appears ${objs.length} times in the manifests`);
  return kind === 'ConfigMap' ? configMapData(objs[0] as IConfigMap, name, dataOnly) : secretData(objs[0] as ISecret);
}
