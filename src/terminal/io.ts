// What the CLI writes to: a terminal's two streams, whether it is a TTY, and its colours.

import type pc from 'picocolors';

/** Colour functions; they return the text unchanged when colour is off. */
export type Colors = ReturnType<typeof pc.createColors>;

/** Streams and terminal facts for one CLI invocation. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTty: boolean;
  colors: Colors;
}
