import { MAX_PORT, portProblem } from './ports';

/**
 * How the mirror's Service is exposed.
 *
 * @example
 * ServingServiceType.clusterIp();       // default: reachable inside the cluster
 * ServingServiceType.nodePort(30888);   // also on every node's port 30888 (the seed's NodePort option)
 * ServingServiceType.nodePort(8888);    // with serving.nodePortRange for a cluster whose range holds 8888
 * ServingServiceType.loadBalancer();
 */
export class ServingServiceType {
  /**
   * A ClusterIP Service: in-cluster clients only (plus an optional Ingress).
   * @example ServingServiceType.clusterIp()
   */
  public static clusterIp(): ServingServiceType {
    return new ServingServiceType('ClusterIP');
  }

  /**
   * A NodePort Service, for machines outside the cluster without an Ingress controller. The
   * client `.sources` then need `clients.baseUrl` (a node's address and this port): the
   * Service's in-cluster name does not resolve outside the cluster.
   * @param nodePort the port on every node; it must lie in the cluster's NodePort range
   * (`serving.nodePortRange`, 30000-32767 unless your cluster sets another), checked at synth time
   * @default - Kubernetes picks a free node port
   * @example ServingServiceType.nodePort(30888)
   */
  public static nodePort(nodePort?: number): ServingServiceType {
    if (nodePort !== undefined && portProblem('nodePort', nodePort)) {
      throw new Error(`nodePort must be a whole number from 1 to ${MAX_PORT} (and in the cluster's NodePort range), got ${nodePort}`);
    }
    return new ServingServiceType('NodePort', nodePort);
  }

  /**
   * A LoadBalancer Service (the cloud provider assigns an address).
   * @example ServingServiceType.loadBalancer()
   */
  public static loadBalancer(): ServingServiceType {
    return new ServingServiceType('LoadBalancer');
  }

  /** `ClusterIP`, `NodePort` or `LoadBalancer` (the Service's `spec.type`). */
  public readonly serviceType: string;
  /** The node port chosen with `nodePort(port)`, else undefined (Kubernetes picks one). */
  public readonly chosenNodePort?: number;

  private constructor(serviceType: string, chosenNodePort?: number) {
    this.serviceType = serviceType;
    this.chosenNodePort = chosenNodePort;
  }
}
