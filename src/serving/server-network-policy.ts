import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NginxConfig } from './nginx-config';
import { ServerObjectProps, serverMetadata } from './server-object';
import { ServingNetworkPolicyOptions } from './serving-options';
import { DNS_LABEL } from '../util/k8s-names';

export interface ServerNetworkPolicyProps extends ServerObjectProps {
  readonly options: ServingNetworkPolicyOptions;
  /** Labels of the smoke-test pods: always allowed when the peers are restricted. */
  readonly smokeTestSelector?: { [key: string]: string };
  /** Labels of the build pods (they read the served manifest.json): always allowed when the peers are restricted. */
  readonly buildSelector?: { [key: string]: string };
}


/**
 * Ingress only on TCP 8080; no egress at all (nginx serves files from its image and resolves
 * nothing, so it needs no DNS either).
 */
export function serverNetworkPolicy(scope: Construct, id: string, props: ServerNetworkPolicyProps): k8s.KubeNetworkPolicy {
  const o = props.options;
  const ns = o.ingressControllerNamespace;
  if (ns !== undefined && (!DNS_LABEL.test(ns) || ns.length > 63)) {
    throw new Error(`networkPolicy ingressControllerNamespace "${ns}" is not a namespace name`);
  }
  const restricted = o.allowFrom !== undefined || ns !== undefined;
  const from: k8s.NetworkPolicyPeer[] | undefined = restricted
    ? [
      ...(o.allowFrom ?? []),
      ...(ns ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }] : []),
      ...(props.smokeTestSelector ? [{ podSelector: { matchLabels: props.smokeTestSelector } }] : []),
      ...(props.buildSelector ? [{ podSelector: { matchLabels: props.buildSelector } }] : []),
    ]
    : undefined;
  return new k8s.KubeNetworkPolicy(scope, id, {
    metadata: serverMetadata(props),
    spec: {
      podSelector: { matchLabels: props.selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(NginxConfig.PORT) }] }],
      egress: [],
    },
  });
}
