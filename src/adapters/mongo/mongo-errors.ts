import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { UnavailableError } from '../../domain/errors';

/** A write broke a unique index (E11000). */
export const isDuplicateKey = (error: unknown): error is MongoServerError => error instanceof MongoServerError && error.code === 11000;

const isOutage = (error: unknown) =>
  error instanceof MongoNetworkError ||
  error instanceof MongoServerSelectionError ||
  error instanceof MongoNotConnectedError ||
  error instanceof MongoTopologyClosedError;

/**
 * Runs one database call. An unreachable server or a closed client means the store is
 * unavailable rather than that the request was wrong, so it surfaces as UnavailableError (503),
 * as the SQLite adapters do.
 */
export async function guarded<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw guardedError(what, error);
  }
}

/** The error guarded() throws for `error`, for callers that can't wrap their call in one function (cursors). */
export function guardedError(what: string, error: unknown): unknown {
  return isOutage(error) ? new UnavailableError(`mongodb ${what} failed: ${(error as Error).message}`, 5, error) : error;
}
