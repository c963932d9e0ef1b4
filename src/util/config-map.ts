import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** What goes into a ConfigMap made by `configMap`. */
export interface ConfigMapSpec {
  readonly name: string;
  readonly labels?: { readonly [key: string]: string };
  readonly annotations?: { readonly [key: string]: string };
  readonly data: { readonly [key: string]: string };
  /** Base64 entries (binary files); left out when empty. */
  readonly binaryData?: { readonly [key: string]: string };
  /** Content-addressed ConfigMaps never change: let the API server enforce it. */
  readonly immutable?: boolean;
}

/**
 * The one way this library makes a ConfigMap: a plain ApiObject, because KubeConfigMap's toJson
 * copies its data map once per key, which is quadratic in the number of entries (seconds for a
 * few thousand sources).
 */
export function configMap(scope: Construct, id: string, spec: ConfigMapSpec): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: spec.name, labels: spec.labels, annotations: spec.annotations },
    data: spec.data,
    ...(spec.binaryData && Object.keys(spec.binaryData).length ? { binaryData: spec.binaryData } : {}),
    ...(spec.immutable ? { immutable: true } : {}),
  } as any);
}
