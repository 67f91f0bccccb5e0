// The action registry: built-in adapters plus the workspace's custom ones, looked up by name.

import type { ActionAdapter } from './types.js';

/** Actions by name. */
export class ActionRegistry {
  readonly #actions = new Map<string, ActionAdapter>();
  /** What the definition's checks compiled of each action's `with` schema, made once per action. */
  readonly #compiledSchemas = new Map<ActionAdapter, unknown>();

  constructor(adapters: Iterable<ActionAdapter> = []) {
    for (const adapter of adapters) this.register(adapter);
  }

  /** Adds an adapter; a later one with the same name replaces the earlier. */
  register(adapter: ActionAdapter): void {
    this.#actions.set(adapter.name, adapter);
  }

  get(name: string): ActionAdapter | undefined {
    return this.#actions.get(name);
  }

  names(): string[] {
    return [...this.#actions.keys()];
  }

  list(): ActionAdapter[] {
    return [...this.#actions.values()];
  }

  /**
   * What `compile` makes of `adapter`'s `with` schema, compiled on first use and kept with this
   * registry (every workflow loaded with it shares it). Pass the same `compile` every time.
   */
  getCompiledSchema<T>(adapter: ActionAdapter, compile: (schema: object) => T): T {
    if (this.#compiledSchemas.has(adapter)) return this.#compiledSchemas.get(adapter) as T;
    const compiled = compile(adapter.schema ?? {});
    this.#compiledSchemas.set(adapter, compiled);
    return compiled;
  }
}
