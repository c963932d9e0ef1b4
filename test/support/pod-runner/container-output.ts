import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';

/** A FIFO next to `logFile`: the write end's fd for the child, a stream on the read end for us. */
function fifo(logFile: string, name: string): [number, net.Socket] {
  const file = `${logFile}.${name}.fifo`;
  fs.rmSync(file, { force: true });
  // Any user of the container may reopen it (nginx as uid 101); it is unlinked at once, so only the child's fds reach it.
  execFileSync('mkfifo', ['-m', '666', file]);
  // eslint-disable-next-line no-bitwise
  const readFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writeFd = fs.openSync(file, fs.constants.O_WRONLY);
  fs.rmSync(file);
  return [writeFd, new net.Socket({ fd: readFd, readable: true, writable: false })];
}

/**
 * A container's stdout and stderr: FIFOs, as a container runtime gives them (a program can open
 * /dev/stdout — nginx logs there — which fails with ENXIO on the sockets Node's 'pipe' makes),
 * collected apart and interleaved into the log file as they come.
 */
export class ContainerOutput {
  /** the write ends, for the child's stdout and stderr */
  public readonly childFds: [number, number];
  private readonly log: fs.WriteStream;
  private readonly streams: [net.Socket, net.Socket];
  private readonly chunks: [Buffer[], Buffer[]] = [[], []];

  constructor(logFile: string) {
    this.log = fs.createWriteStream(logFile);
    const [stdoutFd, stdoutStream] = fifo(logFile, 'stdout');
    const [stderrFd, stderrStream] = fifo(logFile, 'stderr');
    this.childFds = [stdoutFd, stderrFd];
    this.streams = [stdoutStream, stderrStream];
  }

  /**
   * Once the child has the write ends: close ours and collect. `onClosed` is called when both FIFOs have
   * delivered everything (every writer, daemons the container started included, has closed them).
   */
  public collect(onClosed: () => void): void {
    for (const fd of this.childFds) fs.closeSync(fd);
    let open = 2;
    for (const [i, stream] of this.streams.entries()) {
      stream.on('data', (d: Buffer) => {
        this.chunks[i].push(d);
        this.log.write(d);
      });
      stream.on('close', () => {
        if (--open === 0) onClosed();
      });
    }
  }

  /** stop reading: something still holds the FIFOs after the sandbox is gone */
  public destroy(): void {
    for (const stream of this.streams) stream.destroy();
  }

  /** close the log file; `done` once it is flushed */
  public end(done?: () => void): void {
    this.log.end(done);
  }

  public get stdout(): string {
    return Buffer.concat(this.chunks[0]).toString('utf8');
  }

  public get stderr(): string {
    return Buffer.concat(this.chunks[1]).toString('utf8');
  }
}
