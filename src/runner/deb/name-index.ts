// Packages by the names they answer to, their own and those they Provide: how a query on one
// name, or a dependency, finds its candidates without a scan of the whole index.
import { IndexEntry } from './packages-index';

export class NameIndex {
  /** An index of `entries`, which it keeps (`entries`) for what is not asked by name. */
  public static of(entries: readonly IndexEntry[]): NameIndex {
    const index = new NameIndex(entries);
    for (const e of entries) index.add(e);
    return index;
  }

  private readonly map = new Map<string, IndexEntry[]>();

  /** The entries indexed by `of` (those `add`ed later are not listed here). */
  constructor(public readonly entries: readonly IndexEntry[] = []) {}

  public add(e: IndexEntry): void {
    this.push(e.name, e);
    for (const p of e.provides) if (p.name !== e.name) this.push(p.name, e);
  }

  /** The entries named `name` or providing it, in the order they were added. */
  public get(name: string): readonly IndexEntry[] {
    return this.map.get(name) ?? [];
  }

  private push(name: string, e: IndexEntry): void {
    const list = this.map.get(name);
    if (list) list.push(e);
    else this.map.set(name, [e]);
  }
}
