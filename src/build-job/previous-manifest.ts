import { checkUrl } from '../sources/validation';

/**
 * Where the build reads the previous build's `manifest.json`, its memory of what it mirrored
 * last time: an upstream Release older than the one mirrored then, or a package version that went
 * down, fails the build (a replayed or frozen upstream) unless the source sets `allowDowngrade`.
 * Connection refused or 404 there means "no previous build" (the first build); any other failure,
 * or a file that is not a manifest, fails the build.
 *
 * @example
 * PreviousManifest.fromServedMirror();   // the default: what the mirror's own Service serves
 * PreviousManifest.fromUrl('http://mirror.example.com/manifest.json');
 * PreviousManifest.none();               // no downgrade check
 */
export class PreviousManifest {
  /**
   * The manifest the mirror currently serves, read through its own Service
   * (`<serviceUrl>/manifest.json`); the serving NetworkPolicy lets the build pod in.
   */
  public static fromServedMirror(): PreviousManifest {
    return new PreviousManifest('served');
  }

  /**
   * The manifest at this http(s) URL, e.g. another mirror's. It is written into build.json (a
   * ConfigMap): a URL with credentials (`user:password@`), a query string or a fragment is refused.
   * @param url the manifest.json URL
   */
  public static fromUrl(url: string): PreviousManifest {
    // The same rules as upstream URLs: no credentials, query or fragment (they would land in a
    // ConfigMap), and nothing of them echoed.
    const problem = checkUrl('previousManifest url', url);
    if (problem) throw new Error(problem);
    return new PreviousManifest('url', url);
  }

  /** No previous build is compared: downgrades go unnoticed (the build logs that it did not compare). */
  public static none(): PreviousManifest {
    return new PreviousManifest('none');
  }

  /** `served`, `url` or `none`. */
  public readonly kind: string;
  /** The URL of `fromUrl`. */
  public readonly url?: string;

  private constructor(kind: string, url?: string) {
    this.kind = kind;
    this.url = url;
  }

  /**
   * What build.json records: the URL to read, or null for no comparison.
   * @param servedMirrorUrl the mirror's in-cluster base URL, when a server serves it
   * @internal
   */
  public _resolve(servedMirrorUrl: string | undefined): string | null {
    if (this.kind === 'url') return this.url!;
    if (this.kind === 'served' && servedMirrorUrl !== undefined) return `${servedMirrorUrl.replace(/\/+$/, '')}/manifest.json`;
    return null;
  }
}
