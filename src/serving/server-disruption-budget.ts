import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export interface ServerDisruptionBudgetProps {
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly selector: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
}

/**
 * At most one serving pod down for voluntary disruptions (node drains). Unhealthy pods may
 * always be evicted, so a crash-looping pod never blocks a drain.
 */
export function serverDisruptionBudget(scope: Construct, id: string, props: ServerDisruptionBudgetProps): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: props.name, labels: props.labels, annotations: props.annotations },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: props.selector },
    },
  });
}
