// Text that a step controls, made safe to show a person: the one place that strips control
// sequences, called by every surface that prints such text or writes it into story.md.

import stripAnsi from 'strip-ansi';

/**
 * What strip-ansi leaves and a terminal still obeys: C0 controls but tab and newline (so \r, \b,
 * BEL, a lone ESC), DEL, C1 controls (U+0080-U+009F, the 8-bit CSI and OSC among them), and
 * bidirectional overrides and isolates, which make text show differently from what it is.
 */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every terminal control sequence removed (CSI such as colours and cursor moves, OSC
 * such as a window title or the clipboard, DCS/APC strings, other ESC sequences) and then every
 * remaining control character but `\n` and `\t`. What is left cannot move the cursor, erase a
 * line, recolour later text, set the title or ring the bell: it prints as it reads.
 */
export function stripControlSequences(text: string): string {
  return stripAnsi(text).replace(CONTROL_CHARACTERS, '');
}
