// The action registry: built-in adapters plus the workspace's custom ones, looked up by name.

import type { ActionAdapter } from './types.js';

/** Actions by name. */
export class ActionRegistry {
  readonly #actions = new Map<string, ActionAdapter>();

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
}
