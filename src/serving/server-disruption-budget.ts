import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServerObjectProps, serverMetadata } from './server-object';

/**
 * At most one serving pod down for voluntary disruptions (node drains). Unhealthy pods may
 * always be evicted, so a crash-looping pod never blocks a drain.
 */
export function serverDisruptionBudget(scope: Construct, id: string, props: ServerObjectProps): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: serverMetadata(props),
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: props.selector },
    },
  });
}
