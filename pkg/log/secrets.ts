/**
 * Masking by value: every secret the process knows (tokens, API keys,
 * passwords) is registered here, and every log line is scrubbed of each one in
 * all the spellings it can take inside a JSON line, whatever field or message
 * it hides in. Field-name redaction alone misses secrets inside error
 * messages, URLs and stack traces.
 */
const MASK = '[REDACTED]';
const MIN_SECRET_LENGTH = 4;
// `scheme://user:password@host`: the password part, whatever it is.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#\s"@]*:)([^@/?#\s"]+)(@)/gi;

export class SecretMasker {
  #needles: string[] = [];

  /** Registers a secret (and its JSON-escaped and URL-encoded spellings). Short or empty values are ignored. */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    const spellings = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    for (const s of spellings) if (!this.#needles.includes(s)) this.#needles.push(s);
    // Longest first, so that a secret containing another is masked whole.
    this.#needles.sort((a, b) => b.length - a.length);
  }

  /** Registers the password of a connection URL, if it has one. */
  addUrlPassword(url: string | undefined | null): void {
    if (!url) return;
    try {
      const parsed = new URL(url);
      if (parsed.password) this.add(decodeURIComponent(parsed.password));
    } catch {
      // not a URL: nothing to register
    }
  }

  mask(text: string): string {
    let out = text.replace(URL_PASSWORD, `$1${MASK}$3`);
    for (const needle of this.#needles) if (out.includes(needle)) out = out.split(needle).join(MASK);
    return out;
  }

  get size(): number {
    return this.#needles.length;
  }
}

/** The process-wide masker every logger of this process consults. */
export const secrets = new SecretMasker();
