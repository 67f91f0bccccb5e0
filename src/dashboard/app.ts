// The dashboard page's entry point: takes the token, then starts the dashboard or explains how to
// open it.

import { Dashboard } from './dashboard.js';
import { showConnection, showTokenHelp } from './status.js';
import { takeToken } from './token.js';

const token = takeToken();
if (token) {
  new Dashboard(token).start();
} else {
  showConnection('offline');
  showTokenHelp('The page was opened without one.');
}
