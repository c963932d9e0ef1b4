/**
 * Validates synthesized objects against the Kubernetes OpenAPI schemas, using the validators
 * compiled into `kubernetes-models` 4 (Kubernetes 1.27 schemas; CommonJS, works on Node 20).
 * Those validators check types, formats, enums and required fields, but accept unknown fields,
 * so names and labels are checked here too (the API server's own rules).
 */

export interface SchemaProblem {
  readonly object: string;
  readonly message: string;
}

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** The kubernetes-models class of an apiVersion/kind, e.g. `kubernetes-models/apps/v1/Deployment`. */
export function modelClass(apiVersion: string, kind: string): any {
  // Core objects live under kubernetes-models/v1, the others under kubernetes-models/<group>/<version>.
  const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
  let mod: any;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(modulePath);
  } catch {
    throw new Error(`no schema for ${apiVersion} ${kind} (${modulePath})`);
  }
  const cls = mod[kind];
  if (typeof cls !== 'function') throw new Error(`${modulePath} exports no ${kind}`);
  return cls;
}

/** Every schema and naming problem of one object (empty when valid). */
export function validateObject(obj: any): SchemaProblem[] {
  const id = `${obj?.kind ?? '?'} ${obj?.metadata?.name ?? '?'}`;
  const problems: SchemaProblem[] = [];
  const add = (message: string) => problems.push({ object: id, message });
  if (!obj?.apiVersion || !obj?.kind) {
    add('apiVersion or kind missing');
    return problems;
  }
  try {
    const Model = modelClass(obj.apiVersion, obj.kind);
    new Model(obj).validate();
  } catch (e) {
    add((e as Error).message);
  }

  const name: string = obj.metadata?.name ?? '';
  const nameRule = obj.kind === 'Service' ? DNS_1035_LABEL : DNS_1123_SUBDOMAIN;
  if (!nameRule.test(name) || name.length > (obj.kind === 'Service' ? 63 : 253)) add(`metadata.name "${name}" is not a valid ${obj.kind} name`);
  // Pods of a Job get a job-name label; Deployment names become part of pod names.
  if ((obj.kind === 'Job' || obj.kind === 'Deployment') && name.length > 63) add(`metadata.name "${name}" is longer than 63 characters`);
  if (obj.metadata?.namespace !== undefined && !DNS_1123_LABEL.test(obj.metadata.namespace)) add(`namespace "${obj.metadata.namespace}" is not a DNS label`);
  checkLabels(obj.metadata?.labels, 'metadata.labels', add);
  checkAnnotationKeys(obj.metadata?.annotations, 'metadata.annotations', add);
  const template = obj.spec?.template;
  if (template) {
    checkLabels(template.metadata?.labels, 'spec.template.metadata.labels', add);
    checkAnnotationKeys(template.metadata?.annotations, 'spec.template.metadata.annotations', add);
    const selector = obj.spec?.selector?.matchLabels;
    if (selector && obj.kind !== 'Job') {
      for (const [k, v] of Object.entries(selector)) {
        if (template.metadata?.labels?.[k] !== v) add(`selector ${k}=${v} does not match the pod template's labels`);
      }
    }
  }
  if (obj.kind === 'ConfigMap') {
    const data = { ...obj.data, ...obj.binaryData };
    for (const key of Object.keys(data)) if (!CONFIG_MAP_KEY.test(key) || key.length > 253) add(`ConfigMap key "${key}" is invalid`);
    const bytes = Buffer.byteLength(JSON.stringify(obj));
    if (bytes > 1024 * 1024) add(`ConfigMap is ${bytes} bytes, over the 1 MiB limit`);
  }
  return problems;
}

/** Problems of every object. */
export function validateAll(objects: readonly any[]): SchemaProblem[] {
  return objects.flatMap(validateObject);
}

function checkLabels(labels: Record<string, string> | undefined, where: string, add: (m: string) => void) {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!QUALIFIED_NAME.test(k) || k.split('/').pop()!.length > 63) add(`${where} key "${k}" is invalid`);
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63) add(`${where} ${k} value "${v}" is invalid`);
  }
}

function checkAnnotationKeys(annotations: Record<string, string> | undefined, where: string, add: (m: string) => void) {
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (!QUALIFIED_NAME.test(k)) add(`${where} key "${k}" is invalid`);
    if (typeof v !== 'string') add(`${where} ${k} is not a string`);
  }
}
