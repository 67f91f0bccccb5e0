// The built-in actions, and the registry a run starts from.

import { waitAction } from './any/wait.js';
import { workflowAction } from './any/workflow.js';
import { approveAction } from './ceremony/approve.js';
import { requestReviewAction } from './ceremony/request-review.js';
import { runTestsAction } from './engineer/run-tests.js';
import { schemaValidateAction } from './engineer/schema-validate.js';
import { shellAction } from './engineer/shell.js';
import { ActionRegistry } from './registry.js';
import { mergePrAction } from './story/merge-pr.js';
import type { ActionAdapter } from './types.js';

/** Every built-in adapter. */
export const BUILTIN_ACTIONS: readonly ActionAdapter[] = [
  shellAction,
  runTestsAction,
  schemaValidateAction,
  requestReviewAction,
  approveAction,
  mergePrAction,
  waitAction,
  workflowAction,
];

/** A registry holding the built-in actions. */
export function createBuiltinRegistry(): ActionRegistry {
  return new ActionRegistry(BUILTIN_ACTIONS);
}
