/**
 * Where the CLI writes. `run()` takes one, so tests capture output in memory
 * and the real binary passes the process's streams.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
