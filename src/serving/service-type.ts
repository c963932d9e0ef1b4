/**
 * How the mirror's Service is exposed.
 *
 * @example
 * ServingServiceType.clusterIp();       // default: reachable inside the cluster
 * ServingServiceType.nodePort(30888);   // also on every node's port 30888 (the seed's NodePort option)
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
   * A NodePort Service, for machines outside the cluster without an Ingress controller.
   * @param nodePort the port on every node (30000-32767)
   * @default - Kubernetes picks a free node port
   * @example ServingServiceType.nodePort(30888)
   */
  public static nodePort(nodePort?: number): ServingServiceType {
    if (nodePort !== undefined && (!Number.isInteger(nodePort) || nodePort < 30000 || nodePort > 32767)) {
      throw new Error(`nodePort must be a whole number from 30000 to 32767 (the default node port range), got ${nodePort}`);
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
