// The words and simple commands of a shell script, as its scanner (shell-scan.ts) meets them.

/** A word of a command as written (quotes kept), with the `${{ }}` spans it holds. */
export interface ShellWord {
  text: string;
  start: number;
  /** Indexes (into the spans scanned) of the spans inside this word. */
  spans: number[];
  /** The target of a redirection (`> file`), not an argument. */
  isRedirect: boolean;
}

/** A simple command: its words in order; reserved words (`if`, `then`, `!`…) left out. */
export interface ShellCommand {
  words: ShellWord[];
}

const RESERVED = new Set(
  '! { } if then elif else fi do done while until case esac for select in time function'.split(' '),
);

/** Reads the words of one frame of code (the top level, a `$(…)`); ended commands go to `ended`. */
export class CommandReader {
  /** The word being read, if any. */
  word: ShellWord | undefined;
  /** Between `[[` and `]]`, where `&&`, `||`, `<`, `(` do not end the command. */
  isTest = false;
  #words: ShellWord[] = [];
  #isRedirectNext = false;
  readonly #script: string;
  readonly #ended: ShellCommand[];

  constructor(script: string, ended: ShellCommand[]) {
    this.#script = script;
    this.#ended = ended;
  }

  /** The word at `start`: the one being read, or a new one starting there. */
  touchWord(start: number): ShellWord {
    this.word ??= { text: '', start, spans: [], isRedirect: this.#isRedirectNext };
    return this.word;
  }

  /** Ends the word being read (if any) at `end`. */
  endWord(end: number): void {
    const word = this.word;
    if (word === undefined) return;
    this.word = undefined;
    this.#isRedirectNext = false;
    word.text = this.#script.slice(word.start, end);
    const literal = word.spans.length === 0 ? word.text : undefined;
    const isFirst = this.#words.length === 0;
    if (isFirst && literal !== undefined && RESERVED.has(literal)) return;
    if (isFirst && literal === '[[') this.isTest = true;
    if (this.isTest && literal === ']]') this.isTest = false;
    this.#words.push(word);
  }

  /** Ends the command being read at `end`. */
  endCommand(end = this.#script.length): void {
    this.endWord(end);
    if (this.#words.length > 0) this.#ended.push({ words: this.#words });
    this.#words = [];
    this.isTest = false;
    this.#isRedirectNext = false;
  }

  /** A redirection operator at `index`: the word before, when a number, is its descriptor. */
  startRedirect(index: number): void {
    const word = this.word;
    if (word && word.spans.length === 0 && /^\d+$/.test(this.#script.slice(word.start, index))) {
      this.word = undefined;
    }
    this.endWord(index);
    this.#isRedirectNext = true;
  }
}
