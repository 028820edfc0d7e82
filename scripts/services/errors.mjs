// Errors: one clear line (plus an optional log excerpt), never a stack trace in the CLI.

export class ServiceError extends Error {
  /** @param {string} message @param {string} [details] extra lines (log tail) */
  constructor(message, details) {
    super(message);
    this.name = 'ServiceError';
    this.details = details;
  }
}

/** First line of an error's message. @param {unknown} e */
export function oneLine(e) {
  const msg = e instanceof Error ? e.message || e.name : String(e);
  return msg.split('\n')[0] ?? '';
}
