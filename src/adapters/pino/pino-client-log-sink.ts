import { once, type EventEmitter } from 'node:events';
import pino, { type Logger as PinoLogger } from 'pino';
import type { ClientLogLevel } from '../../domain/log-entry';
import type { ClientLogSink } from '../../ports/logger';

/**
 * Client log entries on a pino instance of their own, never the service logger: its own
 * destination, no request-log redaction or `service` base field, and every record carries
 * `source` so a pipeline can split client lines from the service's even on a shared stdout.
 */
export class PinoClientLogSink implements ClientLogSink {
  private readonly logger: PinoLogger;
  private readonly stream: pino.DestinationStream;

  constructor(options: { level: string; destination: string }, stream?: pino.DestinationStream) {
    this.stream = stream ?? destinationOf(options.destination);
    this.logger = pino({ level: options.level, timestamp: pino.stdTimeFunctions.isoTime }, this.stream);
  }

  write(level: ClientLogLevel, record: object, message: string): void {
    this.logger[level](record, message);
  }

  async flush(): Promise<void> {
    // An async file destination opens in the background; flushing before it has an fd writes nothing.
    const boom = this.stream as Partial<EventEmitter> & { fd?: number };
    if (boom.fd === -1 && boom.once) await once(boom as EventEmitter, 'ready');
    await new Promise<void>((resolve) => this.logger.flush(() => resolve()));
  }
}

function destinationOf(destination: string): pino.DestinationStream {
  if (destination === 'stdout') return pino.destination({ dest: 1, sync: false });
  if (destination === 'stderr') return pino.destination({ dest: 2, sync: false });
  return pino.destination({ dest: destination, mkdir: true, sync: false });
}
