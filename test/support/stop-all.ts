/** Teardown for an afterAll whose beforeAll may have stopped half-way. */
import * as fs from 'fs';

/** Something a test started: a server (stop) or a client (dispose); undefined if it never started. */
export type Started = { stop(): Promise<void> } | { dispose(): Promise<void> } | undefined;

/** Stops or disposes each of `started` that started, one after another in this order; then removes `dir` if there is one. */
export async function stopAll(started: Started[], dir?: string): Promise<void> {
  for (const s of started) {
    if (s && 'stop' in s) await s.stop();
    else if (s) await s.dispose();
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
