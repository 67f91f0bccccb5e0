// The process's terminal: the only place that writes to stdout and stderr.

import pc from 'picocolors';
import type { Io } from '../terminal/io.js';
import { getProcessMasker } from '../util/secrets.js';

/** The process's own terminal; colour only on a TTY and never under NO_COLOR. */
export function createProcessIo(): Io {
  // A terminal that reports no width (some pseudo-terminals) cannot host a live footer.
  const isTty = Boolean(process.stdout.isTTY) && (process.stdout.columns ?? 0) > 0;
  const useColor = isTty && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  const masker = getProcessMasker();
  const out = guardStream(process.stdout);
  const err = guardStream(process.stderr);
  return {
    out: (text) => out(masker.mask(text)),
    err: (text) => err(masker.mask(text)),
    isTty,
    colors: pc.createColors(useColor),
  };
}

/**
 * A writer to a standard stream whose reader may go away (`mia … | head -1`, a closed terminal).
 * The stream's error (EPIPE, EIO) is taken here, for every writer of the stream (the live footer
 * writes to it too), so that it never becomes an uncaught exception that ends a run midway;
 * after it, what would have been written is dropped and the command goes on to its end.
 */
function guardStream(stream: NodeJS.WriteStream): (text: string) => void {
  let isOpen = true;
  stream.on('error', () => {
    isOpen = false;
  });
  return (text) => {
    if (!isOpen) return;
    try {
      stream.write(text);
    } catch {
      isOpen = false;
    }
  };
}
