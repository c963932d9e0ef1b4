/**
 * How the serving nginx writes its access log (to the container's stdout).
 *
 * @example
 * AccessLog.json();     // default: one JSON object per request
 * AccessLog.combined(); // nginx's classic "combined" line format
 * AccessLog.off();      // no access log (errors still go to stderr)
 */
export class AccessLog {
  /**
   * One JSON object per request (time, client, method, URI, status, bytes, duration, user
   * agent), escaped with `escape=json` so log pipelines can parse every line.
   * @example AccessLog.json()
   */
  public static json(): AccessLog {
    return new AccessLog('json', 'access_log /dev/stdout mirror_json;');
  }

  /**
   * nginx's predefined `combined` format (the Apache/NCSA combined log line).
   * @example AccessLog.combined()
   */
  public static combined(): AccessLog {
    return new AccessLog('combined', 'access_log /dev/stdout combined;');
  }

  /**
   * No access log. `/healthz` is never logged anyway.
   * @example AccessLog.off()
   */
  public static off(): AccessLog {
    return new AccessLog('off', 'access_log off;');
  }

  /** `json`, `combined` or `off`. */
  public readonly format: string;
  /** The nginx `access_log` directive. */
  public readonly directive: string;

  private constructor(format: string, directive: string) {
    this.format = format;
    this.directive = directive;
  }
}
