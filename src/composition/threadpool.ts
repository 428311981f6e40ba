// Imported first by the entry points, before anything can touch libuv's thread pool: the pool is
// created on its first use and its size read once then. The default 4 threads are shared by scrypt,
// zlib, fs and dns; a few password hashes used to queue every blob write and the readiness probe
// behind them. Setting it here, rather than only in a start script or the Dockerfile, holds however
// the process is started. An operator's own UV_THREADPOOL_SIZE wins.
import { DEFAULT_THREADPOOL_SIZE } from './config-table';

if (process.env.UV_THREADPOOL_SIZE === undefined || process.env.UV_THREADPOOL_SIZE.trim() === '') {
  process.env.UV_THREADPOOL_SIZE = String(DEFAULT_THREADPOOL_SIZE);
}
