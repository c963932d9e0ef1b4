import { IKeyToPath } from 'kubernetes-models/v1/KeyToPath';
import { IVolume } from 'kubernetes-models/v1/Volume';
import { IVolumeProjection } from 'kubernetes-models/v1/VolumeProjection';
import { fail } from './errors';
import { DataKind, lookupData, PodContext } from './manifests';
import { modeOr } from './modes';
import { checkRelPath } from './paths';

/** volume-relative path -> content and mode of the files of a configMap/secret/projected volume */
export type Payload = Map<string, { data: Buffer; mode: number }>;

export type PayloadVolumeType = 'configMap' | 'secret' | 'projected';

/** a reference to a ConfigMap or Secret whose keys go into a payload */
interface KeysRef {
  readonly name?: string;
  readonly items?: IKeyToPath[];
  readonly optional?: boolean;
}

/** configmap.MakePayload / secret.MakePayload */
function addKeysToPayload(payload: Payload, what: string, entries: Map<string, Buffer> | undefined,
  items: IKeyToPath[] | undefined, defaultMode: number, optional: boolean, onDuplicate?: string): void {
  if (entries === undefined) {
    if (optional) return;
    fail(`${what} not found in the manifests${what.startsWith('Secret') ? ' nor in opts.secrets' : ''} (kubelet: not found); add it or mark the reference optional`);
  }
  const add = (p: string, data: Buffer, mode: number) => {
    if (onDuplicate && payload.has(p)) fail(`${onDuplicate}: conflicting duplicate paths "${p}"`);
    payload.set(p, { data, mode });
  };
  if (!items || items.length === 0) {
    for (const [k, data] of entries) add(checkRelPath(k, `${what} key`), data, defaultMode);
    return;
  }
  for (const item of items) {
    const data = entries.get(item.key);
    if (data === undefined) {
      if (optional) continue;
      fail(`${what} references non-existent key "${item.key}"`);
    }
    const mode = modeOr(item.mode, defaultMode, `${what} item ${item.key}`);
    add(checkRelPath(item.path, `${what} item ${item.key}`), data, mode);
  }
}

/** the keys of the ConfigMap or Secret `ref` names, into `payload` */
function addObjectKeys(ctx: PodContext, payload: Payload, kind: DataKind, ref: KeysRef, where: string,
  defaultMode: number, onDuplicate?: string): void {
  addKeysToPayload(payload, `${kind} "${ref.name}" (${where})`, lookupData(ctx, kind, ref.name), ref.items, defaultMode,
    ref.optional === true, onDuplicate);
}

function addProjection(ctx: PodContext, payload: Payload, where: string, i: number, source: IVolumeProjection, defaultMode: number): void {
  const kinds = Object.keys(source ?? {});
  if (kinds.length !== 1) fail(`${where}: projected source #${i} must have exactly one of configMap/secret (has ${kinds.join(', ')})`);
  const kind = kinds[0];
  if (kind === 'configMap') {
    addObjectKeys(ctx, payload, 'ConfigMap', source.configMap ?? {}, where, defaultMode, where);
  } else if (kind === 'secret') {
    addObjectKeys(ctx, payload, 'Secret', source.secret ?? {}, where, defaultMode, where);
  } else {
    fail(`${where}: projected source "${kind}" is not emulated (only configMap and secret)`);
  }
}

/** the files of a configMap, secret or projected volume, as kubelet would write them */
export function buildPayload(ctx: PodContext, vol: IVolume, type: PayloadVolumeType): Payload {
  const payload: Payload = new Map();
  const where = `volume "${vol.name}" of ${ctx.ref}`;
  const defaultMode = modeOr(vol[type]?.defaultMode, 0o644, where);
  if (type === 'configMap') {
    addObjectKeys(ctx, payload, 'ConfigMap', vol.configMap ?? {}, where, defaultMode);
  } else if (type === 'secret') {
    const src = vol.secret ?? {};
    addObjectKeys(ctx, payload, 'Secret', { name: src.secretName, items: src.items, optional: src.optional }, where, defaultMode);
  } else {
    for (const [i, source] of (vol.projected?.sources ?? []).entries()) addProjection(ctx, payload, where, i, source, defaultMode);
  }
  return payload;
}
