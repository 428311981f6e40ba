export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where enriched client log entries go; kept apart from the service's own logger. */
export interface ClientLogSink {
  write(level: LogLevel, record: object, message: string): void;
  flush?(): Promise<void>;
}
