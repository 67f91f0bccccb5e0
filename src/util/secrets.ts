// Masks secrets as *** wherever text leaves the engine: events, step logs, terminal output.

/** Environment variable names whose values are secret. */
const SECRET_NAME_PATTERN = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|KEY|CREDENTIAL|AUTH)/i;
/** Names that match the pattern but hold no secret. */
const NOT_SECRET_NAMES = new Set(['SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'KEYTIMEOUT']);
/** Shorter values would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** Credentials inside a URL: `scheme://user:password@host` or `scheme://token@host`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;
/**
 * The same in bytes held one per character (latin1): only ASCII whitespace ends the credentials,
 * because a byte 0xA0 (which `\s` matches) is part of a UTF-8 character there.
 */
const URL_USERINFO_BYTES = /\b([a-z][a-z0-9+.-]*:\/\/)[^\t\n\v\f\r /@:]+(?::[^\t\n\v\f\r /@]*)?@/gi;

export const MASK = '***';

/** Replaces known secret values (and their base64) and URL credentials with ***. */
export class SecretMasker {
  #secrets: string[];
  #userinfo = URL_USERINFO;

  constructor(secrets: Iterable<string>) {
    const all = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      all.add(secret);
      all.add(Buffer.from(secret, 'utf8').toString('base64'));
      // Basic auth headers carry base64 of `user:token`.
      all.add(Buffer.from(`x-access-token:${secret}`, 'utf8').toString('base64'));
    }
    // Longest first, so a secret containing another is masked whole.
    this.#secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** The masker for an environment: GitHub tokens and every variable whose name looks secret. */
  static fromEnv(env: Record<string, string | undefined>): SecretMasker {
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(env)) {
      if (value && isSecretName(name)) secrets.push(value);
    }
    return new SecretMasker(secrets);
  }

  mask(text: string): string {
    let masked = text;
    for (const secret of this.#secrets) {
      if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
    }
    return masked.includes('@') ? masked.replace(this.#userinfo, `$1${MASK}@`) : masked;
  }

  /**
   * This masker for output held as bytes, one character per byte (`buffer.toString('latin1')`):
   * it masks the UTF-8 bytes of the same secrets, so that a step's log file can keep every other
   * byte exactly as the step wrote it (invalid UTF-8 included).
   */
  forBytes(): SecretMasker {
    const masker = new SecretMasker([]);
    masker.#secrets = this.#secrets.map((secret) => Buffer.from(secret, 'utf8').toString('latin1'));
    masker.#userinfo = URL_USERINFO_BYTES;
    return masker;
  }

  /**
   * Splits text that more text may follow into what can be masked and shown now and what must
   * wait for the rest: a tail as long as a secret could still be (it may be one's first half),
   * and from the start of any secret the cut would go through. A whitespace before the cut is
   * preferred, so that credentials in a URL (never holding whitespace) are not cut either.
   */
  splitForMasking(text: string): { ready: string; held: string } {
    const longest = this.#secrets[0]?.length ?? 0;
    let cut = Math.max(0, text.length - Math.max(0, longest - 1));
    const space = text.slice(0, cut).search(/\s\S*$/);
    if (space >= 0) cut = space + 1;
    for (let isMoved = true; isMoved; ) {
      isMoved = false;
      for (const secret of this.#secrets) {
        const at = text.indexOf(secret, Math.max(0, cut - secret.length + 1));
        if (at !== -1 && at < cut && at + secret.length > cut) {
          cut = at;
          isMoved = true;
        }
      }
    }
    return { ready: text.slice(0, cut), held: text.slice(cut) };
  }

  /** Masks every string inside a JSON-like value; returns the value itself when nothing changed. */
  maskDeep<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((item) => {
        const masked = this.maskDeep(item);
        changed ||= masked !== item;
        return masked;
      });
      return (changed ? out : value) as T;
    }
    if (value !== null && typeof value === 'object') {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const masked = this.maskDeep(item);
        changed ||= masked !== item;
        out[key] = masked;
      }
      return (changed ? out : value) as T;
    }
    return value;
  }
}

/** True for GITHUB_TOKEN, GH_TOKEN and names such as NPM_TOKEN, DB_PASSWORD, API_KEY. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name) && !NOT_SECRET_NAMES.has(name.toUpperCase());
}

let processMasker: SecretMasker | undefined;

/** The masker of this process's environment, built once. */
export function getProcessMasker(): SecretMasker {
  processMasker ??= SecretMasker.fromEnv(process.env);
  return processMasker;
}
