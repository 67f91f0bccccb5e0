// The page's entry point: takes the token (when the URL has one), then starts the dashboard. A page
// with no token still reads where the server lets it (a mia host that vouches for its users); where
// the server wants the token, the page says how to open it.

import { Dashboard } from './dashboard.js';
import { takeToken } from './token.js';

new Dashboard(takeToken()).start();
