/**
 * Secrets (a credential's password, a connection's secret field) are never taken from the command
 * line, where `ps` and the shell history would keep them: on a terminal they are prompted for without
 * echo; otherwise the piped standard input is read (`--password-stdin`, as `docker login` does), one
 * trailing newline dropped.
 */
import { CliError } from './errors';
import type { Io } from './output';

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function promptHidden(io: Io, question: string): Promise<string> {
  const input = io.in!;
  return new Promise((resolve, reject) => {
    // No echo before the question shows: whatever is typed once it is visible must not appear.
    input.setRawMode?.(true);
    io.err.write(question);
    let value = '';
    const done = (error?: Error) => {
      input.setRawMode?.(false);
      input.removeListener('data', onData);
      input.pause?.();
      io.err.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
    input.resume?.();
  });
}

/** One secret: prompted for on a terminal (unless fromStdin), else read from standard input. */
export async function readSecret(io: Io, what: string, fromStdin = false): Promise<string> {
  if (!io.in) throw new CliError(`No standard input to read ${what} from.`);
  const value = io.in.isTTY && !fromStdin ? await promptHidden(io, `${what}: `) : await readAll(io.in);
  if (!value) throw new CliError(`${what} is empty: type it at the prompt or pipe it to standard input.`);
  return value;
}
