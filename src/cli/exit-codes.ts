// The CLI's exit codes (contract section 4).

export const EXIT = {
  ok: 0,
  /** The workflow failed: an unresolved tension. */
  failed: 1,
  /** Bad usage or an invalid definition: nothing ran. */
  usage: 2,
  interrupted: 130,
} as const;
