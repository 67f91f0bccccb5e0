// Whether the server lets the page in: calls to the API that say what went wrong, and the switch
// to the token help when the server refuses the page's token.

import { ApiRequestError } from './api.js';
import { showConnection, showNotice, showTokenHelp } from './status.js';

export class PageAccess {
  readonly #hasToken: boolean;
  readonly #onRefused: () => void;
  /** The server refused the token: the page only says how to open it again. */
  isRefused = false;
  /** The server let the page read: a refusal then concerns an act (its token), not the page. */
  hasRead = false;

  /** `onRefused` stops what the page follows (its socket) once the token is refused. */
  constructor(hasToken: boolean, onRefused: () => void) {
    this.#hasToken = hasToken;
    this.#onRefused = onRefused;
  }

  /** Shows how to open the page again, and stops following the server. */
  refuse(): void {
    this.isRefused = true;
    this.#onRefused();
    showConnection(this.#hasToken ? 'refused' : 'offline');
    showTokenHelp(
      this.#hasToken
        ? "The server refused this page's token: it changes each time `mia dashboard` starts."
        : 'The page was opened without one.',
    );
  }

  /** Calls the API; a failure is told on the page (`Could not <what>: …`) and gives undefined. */
  async call<T>(action: () => Promise<T>, what: string): Promise<T | undefined> {
    try {
      return await action();
    } catch (error) {
      const isPageRefused = this.#hasToken || !this.hasRead;
      if (error instanceof ApiRequestError && error.isUnauthorized && isPageRefused) this.refuse();
      else if (error instanceof ApiRequestError)
        showNotice(`Could not ${what}: ${error.message}`, error.hint);
      else showNotice(`Could not ${what}: the server is not reachable (${String(error)}).`);
      return undefined;
    }
  }
}
