import { Writable } from 'node:stream';

export interface CapturedLogs {
  stream: Writable;
  lines: string[];
  text(): string;
}

/** A destination that keeps every line written to it: for tests that scan logs for secrets. */
export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(line);
      done();
    },
  });
  return { stream, lines, text: () => lines.join('\n') };
}
