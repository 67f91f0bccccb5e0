// The public API of mia-workflow: the mia server module (the default export, for a mia host's
// loader), the CLI entry, errors, events and the dashboard protocol.

import { createWorkflowModule } from './server/module.js';

export { main } from './cli/main.js';
export {
  DefinitionError,
  type DefinitionProblem,
  EventLogError,
  InfrastructureError,
  MiaError,
  RunLockedError,
  RunNotFoundError,
  type SerializedError,
  type SourcePosition,
  StepTimeoutError,
  serializeError,
  UsageError,
  WorkflowNotFoundError,
} from './errors.js';
export type {
  Beat,
  BeatType,
  ChartProgress,
  EventOf,
  EventPayloads,
  EventType,
  MiaEvent,
  RunSource,
  StartedStep,
} from './events/types.js';
export {
  EVENT_FORMAT_VERSION,
  getChartChannel,
  getRunChannel,
  getTraceId,
} from './events/types.js';
export type { StcAction, StcChart, StcObservation } from './narrative/chart.js';
export type { ExtensionChart } from './narrative/extension-chart.js';
export type { NarrativeBus } from './server/bus.js';
export {
  type AuthMode,
  createWorkflowModule,
  type MiaModuleContext,
  type RouteHost,
  type WorkflowModule,
  type WorkflowModuleOptions,
} from './server/module.js';
export * from './server/protocol.js';
export type { RequestHandler } from './server/routes.js';
export {
  type DashboardServer,
  type DashboardServerOptions,
  startDashboardServer,
} from './server/standalone.js';
export {
  createUpgradeRouter,
  type UpgradeRouter,
  type WebsocketHandler,
  type WebsocketRequest,
  type WebsocketRouter,
} from './server/upgrade-router.js';

/**
 * The module a mia host loads (found by the package keyword `mia-module`): it serves the workspace
 * named by `ctx.config.workspace` at `initialize`, else the host's current directory.
 */
const workflowModule = createWorkflowModule();
export default workflowModule;
