/** Where a command writes; injectable for tests. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}
