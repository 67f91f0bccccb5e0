#!/usr/bin/env node
// Test-only entry of `mia`: `node crash-entry.mjs <N> <mia args…>` runs the built CLI with an event
// log file layer that SIGKILLs the process as soon as its Nth durable event (counted over the whole
// process) is fsynced, before anyone sees it. For the kill-point sweep; nothing of it is in src/.

import * as nodeFs from 'node:fs';
import { main } from '../../dist/cli/main.js';
import { DURABLE_EVENT_TYPES } from '../../dist/events/types.js';

const [limitText, ...args] = process.argv.slice(2);
if (!/^\d+$/.test(limitText ?? '')) {
  process.stderr.write('usage: node crash-entry.mjs <N> <mia arguments…>\n');
  process.exit(2);
}
const limit = Number(limitText);
let durableSynced = 0;
/** Per open log: the text of a line not yet written whole, and durable lines written since the last fsync. */
const files = new Map();

/** @type {import('../../dist/store/event-log.js').EventLogFs} */
const crashingFs = {
  openSync(path, flags) {
    const fd = nodeFs.openSync(path, flags);
    files.set(fd, { partial: '', durableWritten: 0 });
    return fd;
  },
  writeSync(fd, buffer, offset, length) {
    const written = nodeFs.writeSync(fd, buffer, offset, length);
    const file = files.get(fd);
    const text = Buffer.from(buffer.subarray(offset, offset + written)).toString('utf8');
    const lines = (file.partial + text).split('\n');
    file.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (DURABLE_EVENT_TYPES.has(JSON.parse(line).type)) file.durableWritten += 1;
    }
    return written;
  },
  fsync(fd, callback) {
    const file = files.get(fd);
    const covered = file.durableWritten;
    file.durableWritten = 0;
    nodeFs.fsync(fd, (error) => {
      if (!error && covered > 0) {
        durableSynced += covered;
        if (durableSynced >= limit) process.kill(process.pid, 'SIGKILL');
      }
      callback(error);
    });
  },
  closeSync(fd) {
    files.delete(fd);
    nodeFs.closeSync(fd);
  },
};

process.exitCode = await main(args, undefined, { eventLogFs: crashingFs });
