// The access token: taken from `?token=` once, kept for the tab, and kept out of the address bar.

const STORAGE_KEY = 'mia-dashboard-token';

/**
 * Returns the dashboard's token: the `token` query parameter when present (then stored in
 * sessionStorage and removed from the address bar), else the one stored earlier in this tab.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

/** Forgets a token the server refused, so a reload asks for a fresh one. */
export function forgetToken(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
