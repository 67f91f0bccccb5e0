// The public API of mia-workflow: the CLI entry, the mia server module, errors, events and the
// dashboard protocol.

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
export {
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
  type UpgradeHandler,
  type UpgradeRouter,
  type WsRouter,
} from './server/upgrade-router.js';
