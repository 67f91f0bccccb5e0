// JSON Schema pieces for the `with` fields that every GitHub-facing action shares.

/** A duration as YAML writes it (`30s`, `10m`, `1h`) or plain milliseconds. */
export const DURATION_SCHEMA = {
  oneOf: [
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)?$' },
    { type: 'integer', minimum: 0 },
  ],
};

/** `pr`, `repo` and `mode`, as the request-review and merge-pr actions accept them. */
export const GITHUB_WITH_PROPERTIES = {
  pr: {
    description: 'The pull request number; by default the open one whose head is the branch.',
    oneOf: [
      { type: 'integer', minimum: 1 },
      { type: 'string', pattern: '^#?[1-9]\\d*$' },
    ],
  },
  repo: {
    type: 'string',
    pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,38}/[A-Za-z0-9._-]{1,100}$',
    description: 'owner/name; by default the repository of the `origin` remote.',
  },
  mode: {
    enum: ['github', 'local'],
    description:
      'github (needs GITHUB_TOKEN or GH_TOKEN) or local; by default github when a token is set.',
  },
};
