// The page's own state messages: the connection badge, error notices, and the token help.

import { createElement } from './dom.js';
import type { ConnectionState } from './socket.js';
import { forgetToken } from './token.js';

const CONNECTION_WORDS: Record<ConnectionState, string> = {
  offline: 'not connected',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  refused: 'token refused',
};

/** Shows where the live feed stands. */
export function showConnection(state: ConnectionState): void {
  const badge = document.querySelector<HTMLElement>('[data-testid="connection"]')!;
  badge.dataset.state = state;
  badge.querySelector('.connection-text')!.textContent = CONNECTION_WORDS[state];
}

/** Shows an error the reader should see, with what to do when the server said. */
export function showNotice(message: string, hint?: string): void {
  const notice = document.getElementById('notice')!;
  const dismiss = createElement(
    'button',
    { type: 'button', class: 'link', 'aria-label': 'Dismiss this message' },
    'Dismiss',
  );
  dismiss.addEventListener('click', () => {
    notice.hidden = true;
  });
  notice.replaceChildren(createElement('p', {}, message));
  if (hint)
    notice.append(createElement('p', {}, createElement('strong', {}, 'What to do: '), hint));
  notice.append(dismiss);
  notice.hidden = false;
}

/** Replaces the page with how to open it with a valid token. */
export function showTokenHelp(reason: string): void {
  forgetToken();
  document.getElementById('token-help-reason')!.textContent = reason;
  document.getElementById('token-help')!.hidden = false;
  document.getElementById('run')!.hidden = true;
  document.getElementById('no-run')!.hidden = true;
}
