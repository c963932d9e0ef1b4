/**
 * A source's normalized queries. A tidy packages.txt of canonical queries is kept as its text:
 * a mirror of hundreds of sources with thousands of queries each then needs no per-query
 * strings unless something asks for the list.
 */
export class PackageList {
  /** Queries already normalized; the list takes the array over. */
  public static fromQueries(queries: string[]): PackageList {
    return new PackageList(queries, undefined);
  }

  /** `text` holds canonical queries, each ending with a newline (see countCanonicalLines). */
  public static fromCanonicalText(text: string): PackageList {
    return new PackageList(undefined, text);
  }

  private constructor(
    private list: string[] | undefined,
    private joined: string | undefined,
  ) {}

  /** The queries, one per entry (split on first use). */
  public queries(): string[] {
    this.list ??= this.joined!.slice(0, -1).split('\n');
    return this.list;
  }

  /** packages.txt: one query per line. */
  public text(): string {
    this.joined ??= this.list!.join('\n') + '\n';
    return this.joined;
  }
}
