import type { ClientLogLevel } from '../domain/log-entry';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Where enriched client log entries go; kept apart from the service's own logger. */
export interface ClientLogSink {
  write(level: ClientLogLevel, record: object, message: string): void;
  flush?(): Promise<void>;
}
