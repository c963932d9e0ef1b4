import { redactUrl } from './redact';

// Kubernetes and registry name rules, shared by the constructs and the CLI so both accept the
// same values.

/** DNS-1123 label: namespaces, object name parts (length checked by the caller). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** DNS-1123 subdomain: Secret and ConfigMap names, hosts (at most 253 characters). */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A key in a Secret's or ConfigMap's data. */
export const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** An image repository with registry host and path, without tag or digest. */
export const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)+$/;

/** Whether `value` is a valid Secret name. */
export function isSecretName(value: string): boolean {
  return typeof value === 'string' && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** A loose image reference (`name[:tag][@digest]`): rejects whitespace, quotes and flags. */
export const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;

/** Throws unless `ref` looks like an image reference; `what` names it in the message. */
export function checkImageReference(ref: string, what: string = ''): string {
  if (typeof ref !== 'string' || !IMAGE_REFERENCE.test(ref)) throw new Error(`${what ? what + ' ' : ''}"${redactUrl(ref)}" is not a valid image reference`);
  return ref;
}
