// The engine's access to the shared plan of a workflow (kept in plan/, where loading records it).

export { getPlan } from '../plan/plan-cache.js';
