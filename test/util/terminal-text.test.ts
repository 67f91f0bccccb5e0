import { describe, expect, it } from 'vitest';
import { stripControlSequences } from '../../src/util/terminal-text.js';

const ESC = '\u001b';
const BEL = '\u0007';

describe('stripControlSequences', () => {
  it.each([
    ['colours (CSI SGR)', `${ESC}[31;1mred${ESC}[0m`, 'red'],
    [
      'a cursor move and line erase that would hide a ✗ line',
      `failed${ESC}[1A${ESC}[2K${ESC}[G✓ ok`,
      'failed✓ ok',
    ],
    ['a screen and scrollback clear', `${ESC}[2J${ESC}[3J${ESC}[Hafter`, 'after'],
    ['a window title ended by BEL (OSC 0)', `a${ESC}]0;owned title${BEL}b`, 'ab'],
    ['a window title ended by ST (OSC 2)', `a${ESC}]2;owned${ESC}\\b`, 'ab'],
    ['a clipboard write (OSC 52)', `${ESC}]52;c;Y3VybCBldmlsIHwgc2g=${BEL}x`, 'x'],
    ['a hyperlink (OSC 8)', `${ESC}]8;;https://evil.example${BEL}link${ESC}]8;;${BEL}`, 'link'],
    ['a device control string (DCS)', `${ESC}Pq#0;2;0;0;0${ESC}\\done`, 'done'],
    ['two-byte escapes (save/restore cursor, reset)', `${ESC}7a${ESC}8b${ESC}c`, 'ab'],
    ['an 8-bit CSI (C1)', '\u009b2Jclear', 'clear'],
    ['an unterminated title, leaving its text inert', `${ESC}]0;never ends`, ']0;never ends'],
    ['a lone ESC', `a${ESC}b`, 'ab'],
    ['carriage returns and backspaces that overwrite text', 'FAIL\r\b\b\bPASS', 'FAILPASS'],
    ['the bell and other C0 controls', `ding${BEL}\u0000\u0001\u000b\u000c\u001f!`, 'ding!'],
    ['DEL and C1 controls', 'a\u007fb\u0085c\u009dd', 'abcd'],
    ['bidirectional overrides and isolates', 'abc\u202edef\u2066ghi\u2069', 'abcdefghi'],
    ['Windows line ends', 'one\r\ntwo\r\n', 'one\ntwo\n'],
  ])('removes %s', (_, text, expected) => {
    expect(stripControlSequences(text)).toBe(expected);
  });

  it('keeps newlines, tabs and every printable character, in any script', () => {
    const text = 'línea\tñ 日本語 🎉 ✓ ✗ «quotes» — א\n';
    expect(stripControlSequences(text)).toBe(text);
  });

  it('never leaves an escape character behind, however sequences are nested or cut', () => {
    const hostile = `${ESC}${ESC}[[31m${ESC}]${ESC}]0;${BEL}${ESC}[${ESC}\\\u009b\u009d${ESC}`;
    expect(stripControlSequences(hostile)).not.toMatch(/[\u001b\u0007\u0080-\u009f]/);
  });
});
