// Proxy settings of the build end up as plain env values in the Job's YAML: they must hold no
// secret, and a refused value is never echoed with its secret.
import { hasUserinfo, redactUrl } from './redact';

/** What is wrong with the value of a proxy variable (`HTTP_PROXY`, `NO_PROXY`, ...), or undefined. */
export function proxyValueProblem(variable: string, value: string): string | undefined {
  const shown = redactUrl(value);
  if (value.trim() === '') return `proxy value for ${variable} is empty: give a proxy URL such as http://proxy.example:3128, or leave it out`;
  if (hasUserinfo(value)) {
    return `proxy value for ${variable} carries credentials (user:password@), which would be written into the Job's YAML: use a proxy that needs no credentials in the URL `
      + `(e.g. one that authorizes the build's network); the build cannot read proxy credentials from a Secret (got ${shown})`;
  }
  if (/[\s"'`\\]/.test(value)) return `proxy value for ${variable} "${shown}" contains whitespace or quotes: give a plain URL such as http://proxy.example:3128`;
  if (/^no_proxy$/i.test(variable)) return undefined;
  if (/[?#]/.test(value)) {
    return `proxy value for ${variable} "${shown}" has a query or fragment, which a proxy URL never needs and which may carry a token: give scheme, host and port only (http://proxy.example:3128)`;
  }
  return undefined;
}
