import { k8s } from 'cdk8s-plus-27';

/** What each object of the server is named and labelled with, and the pods it is about. */
export interface ServerObjectProps {
  /** `metadata.name`: the Service's name, shared by the server's objects. */
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
  /** Labels that select the serving pods. */
  readonly selector: { [key: string]: string };
}

/** The metadata of one of the server's objects. */
export function serverMetadata(props: ServerObjectProps): k8s.ObjectMeta {
  return { name: props.name, labels: props.labels, annotations: props.annotations };
}
