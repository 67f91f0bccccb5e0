// The terminal the CLI talks to: the only place that writes to stdout and stderr.

import pc from 'picocolors';
import { getProcessMasker } from '../util/secrets.js';

/** Streams and terminal facts for one CLI invocation. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTty: boolean;
  colors: ReturnType<typeof pc.createColors>;
}

/** The process's own terminal; colour only on a TTY and never under NO_COLOR. */
export function createProcessIo(): Io {
  // A terminal that reports no width (some pseudo-terminals) cannot host a live footer.
  const isTty = Boolean(process.stdout.isTTY) && (process.stdout.columns ?? 0) > 0;
  const useColor = isTty && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  const masker = getProcessMasker();
  return {
    out: (text) => process.stdout.write(masker.mask(text)),
    err: (text) => process.stderr.write(masker.mask(text)),
    isTty,
    colors: pc.createColors(useColor),
  };
}
