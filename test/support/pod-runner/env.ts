import * as os from 'os';
import { IContainer } from 'kubernetes-models/v1/Container';
import { IEnvVarSource } from 'kubernetes-models/v1/EnvVarSource';
import { fail } from './errors';
import { expandKubernetesVars } from './expand';
import { DataKind, lookupData, PodContext } from './manifests';

/** the reference of an envFrom entry or of a valueFrom key selector: a ConfigMap's if set, else a Secret's */
function dataRef<T>(configMapRef: T | undefined, secretRef: T | undefined): { kind: DataKind; ref: T } | undefined {
  if (configMapRef) return { kind: 'ConfigMap', ref: configMapRef };
  if (secretRef) return { kind: 'Secret', ref: secretRef };
  return undefined;
}

/** kubelet makeEnvironmentVariables (without service links): ordered name -> value */
export function resolveEnv(ctx: PodContext, c: IContainer, extraEnv: Record<string, string>): Map<string, string> {
  const env = new Map<string, string>();
  const where = `${ctx.ref} container "${c.name}"`;
  for (const ef of c.envFrom ?? []) {
    const prefix = ef.prefix ?? '';
    const { kind, ref } = dataRef(ef.configMapRef, ef.secretRef) ?? fail(`${where}: envFrom entry without configMapRef/secretRef`);
    const data = lookupData(ctx, kind, ref.name, true);
    if (!data) {
      if (ref.optional === true) continue;
      fail(`${where}: envFrom ${kind} "${ref.name}" not found (kubelet: CreateContainerConfigError)`);
    }
    for (const [k, v] of data) {
      if (k === '' || k.includes('=')) continue; // kubelet skips invalid names
      env.set(prefix + k, v.toString('utf8'));
    }
  }
  for (const e of c.env ?? []) {
    if (!e?.name) fail(`${where}: env entry without a name`);
    if (e.valueFrom) {
      const value = resolveValueFrom(ctx, where, e.name, e.valueFrom);
      if (value !== undefined) env.set(e.name, value);
    } else {
      env.set(e.name, expandKubernetesVars(String(e.value ?? ''), n => env.get(n)));
    }
  }
  for (const [k, v] of Object.entries(extraEnv)) env.set(k, v);
  return env;
}

/** the downward API fields a fieldRef can name */
function fieldRefValue(ctx: PodContext, what: string, fieldPath: string): string {
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (sub) return (ctx.meta[sub[1] as 'labels' | 'annotations'] ?? {})[sub[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return ctx.podName;
    case 'metadata.namespace': return ctx.namespace;
    case 'metadata.uid': return ctx.uid;
    case 'spec.nodeName': return os.hostname();
    case 'spec.serviceAccountName': return ctx.spec.serviceAccountName ?? ctx.spec.serviceAccount ?? 'default';
    case 'status.hostIP': case 'status.podIP': case 'status.hostIPs': case 'status.podIPs': return '127.0.0.1';
    default: return fail(`${what}: fieldRef "${fieldPath}" is not emulated`);
  }
}

function resolveValueFrom(ctx: PodContext, where: string, name: string, vf: IEnvVarSource): string | undefined {
  const what = `${where} env ${name}`;
  const keyRef = dataRef(vf.configMapKeyRef, vf.secretKeyRef);
  if (keyRef) {
    const { kind, ref } = keyRef;
    const data = lookupData(ctx, kind, ref.name, true);
    if (!data) {
      if (ref.optional === true) return undefined;
      fail(`${what}: ${kind} "${ref.name}" not found (kubelet: CreateContainerConfigError)`);
    }
    const v = data.get(ref.key);
    if (v === undefined) {
      if (ref.optional === true) return undefined;
      fail(`${what}: couldn't find key "${ref.key}" in ${kind} ${ctx.namespace}/${ref.name}`);
    }
    return v.toString('utf8');
  }
  if (vf.fieldRef) return fieldRefValue(ctx, what, vf.fieldRef.fieldPath ?? '');
  return fail(`${what}: valueFrom ${Object.keys(vf).join(', ')} is not emulated`);
}
