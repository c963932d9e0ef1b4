import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServingIngressOptions } from './serving-options';
import { DNS_SUBDOMAIN } from '../util/k8s-names';

export interface ServerIngressProps {
  readonly name: string;
  readonly labels: { [key: string]: string };
  /** The mirror's own annotations (e.g. the insecure warning); they win over the user's. */
  readonly annotations?: { [key: string]: string };
  readonly ingress: ServingIngressOptions;
  readonly serviceName: string;
  readonly servicePort: number;
}


/** The optional Ingress: every path of `host` to the Service, with TLS when a Secret is named. */
export function serverIngress(scope: Construct, id: string, props: ServerIngressProps): k8s.KubeIngress {
  const ingress = props.ingress;
  if (!DNS_SUBDOMAIN.test(ingress.host ?? '') || ingress.host.length > 253) {
    throw new Error(`ingress host "${ingress.host}" is not a DNS name (lowercase, e.g. apt.example.com; no wildcard, port or scheme)`);
  }
  const annotations = { ...ingress.annotations, ...props.annotations };
  return new k8s.KubeIngress(scope, id, {
    metadata: { name: props.name, labels: props.labels, annotations: Object.keys(annotations).length ? annotations : undefined },
    spec: {
      ingressClassName: ingress.ingressClassName,
      tls: ingress.tlsSecretName ? [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] : undefined,
      rules: [{
        host: ingress.host,
        http: {
          paths: [{
            path: '/',
            pathType: 'Prefix',
            backend: { service: { name: props.serviceName, port: { number: props.servicePort } } },
          }],
        },
      }],
    },
  });
}
