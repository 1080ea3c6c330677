import * as mysql2 from 'mysql2';

/** The code of the error a request for a connection gets when none came within the bound. */
export const ACQUIRE_TIMEOUT_CODE = 'AIV_DB_ACQUIRE_TIMEOUT';

type GetConnectionCallback = Parameters<mysql2.Pool['getConnection']>[0];

/**
 * mysql2 whose pools bound how long a request waits for a connection (`acquireTimeoutMs`, queueing and connecting
 * together), then fail it with ACQUIRE_TIMEOUT_CODE; a connection that comes later goes back to the pool.
 *
 * mysql2's pool hands out a free connection, opens a new one while it has room, and otherwise queues the request
 * for as long as it takes: it has no acquire timeout (mysql's `acquireTimeout` is not mysql2's). While the database
 * does not answer at all (its host down, its packets dropped, a failover moving its address), every slot of the
 * pool is a connection attempt waiting for its connect timeout, and a request behind them would wait for one
 * attempt after another: a readiness probe, a recruiter's request or a push would hang for tens of seconds instead
 * of answering DATABASE_UNAVAILABLE. A healthy pool hands a connection out in milliseconds (statements and
 * transactions are short), so the bound only ever cuts waits that are already failures. Given to TypeORM as its
 * `driver` (wrapping the driver it is given).
 */
export function mysql2WithAcquireTimeout(driver: typeof mysql2, acquireTimeoutMs: number): typeof mysql2 {
  return {
    ...driver,
    createPool: ((config: mysql2.PoolOptions) => {
      const pool = driver.createPool(config);
      boundAcquisition(pool, acquireTimeoutMs);
      return pool;
    }) as typeof mysql2.createPool,
  };
}

function boundAcquisition(pool: mysql2.Pool, acquireTimeoutMs: number): void {
  const getConnection = pool.getConnection.bind(pool);
  /** Callbacks already bounded: the pool calls getConnection again for a queued request when a slot frees up. */
  const bounded = new WeakSet<GetConnectionCallback>();
  pool.getConnection = ((callback: GetConnectionCallback) => {
    if (bounded.has(callback)) return getConnection(callback);
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      const error = Object.assign(new Error(`no database connection within ${acquireTimeoutMs} ms`), {
        code: ACQUIRE_TIMEOUT_CODE,
      });
      callback(error, undefined as unknown as mysql2.PoolConnection);
    }, acquireTimeoutMs);
    // A request still waiting when the process closes its pool must not hold the process open.
    timer.unref();
    const served: GetConnectionCallback = (error, connection) => {
      if (settled) {
        if (!error) connection.release();
        return;
      }
      settled = true;
      clearTimeout(timer);
      callback(error, connection);
    };
    bounded.add(served);
    return getConnection(served);
  }) as mysql2.Pool['getConnection'];
}
