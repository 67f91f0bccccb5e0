// The built-in engine actions run the shared adapter contract.

import { waitAction } from '../../src/actions/any/wait.js';
import { shellAction } from '../../src/actions/engineer/shell.js';
import { describeActionContract } from './contract.js';

describeActionContract({
  adapter: shellAction,
  validWith: [{ run: 'echo hi' }, { run: 'ls', cwd: 'sub' }],
  invalidWith: [{}, { run: '' }, { run: 'x', shell: 'bash' }, { run: 42 }],
  success: { with: { run: 'echo "answer=42" >> "$MIA_OUTPUT"; echo done' } },
  failure: { with: { run: 'echo broken >&2; exit 7' } },
  abortable: { with: { run: 'sleep 30' } },
});

describeActionContract({
  adapter: waitAction,
  validWith: [{ for: '10s' }, { for: 250 }, { for: '1.5m' }],
  invalidWith: [{}, { for: 'soon' }, { for: -1 }, { for: '5s', extra: true }],
  success: { with: { for: '10ms' } },
  abortable: { with: { for: '30s' } },
});
