import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServerObjectProps, serverMetadata } from './server-object';
import { ServingServiceType } from './service-type';

export interface ServerServiceProps extends ServerObjectProps {
  readonly type: ServingServiceType;
  readonly port: number;
}

/** The Service in front of the nginx pods: `port` -> the pods' named port `http` (8080). */
export function serverService(scope: Construct, id: string, props: ServerServiceProps): k8s.KubeService {
  return new k8s.KubeService(scope, id, {
    metadata: serverMetadata(props),
    spec: {
      type: props.type.serviceType,
      selector: props.selector,
      ports: [{
        name: 'http',
        protocol: 'TCP',
        port: props.port,
        targetPort: k8s.IntOrString.fromString('http'),
        nodePort: props.type.chosenNodePort,
      }],
    },
  });
}
