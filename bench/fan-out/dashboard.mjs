// The dashboard server in a process of its own (as `mia dashboard`): it follows the workspace's
// runs from their files, off the event loop of the process that runs them.
// Usage: node dashboard.mjs <workspace>   Messages: → listening, ← stop

import { startDashboardServer } from '../../dist/server/standalone.js';
import { createInbox, say } from '../lib/lines.mjs';

const inbox = createInbox();
const server = await startDashboardServer({ workspace: process.argv[2], port: 0 });
say({ type: 'listening', url: server.url });
await inbox.next('stop');
await server.close();
process.exit(0);
