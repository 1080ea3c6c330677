import * as mysql2 from 'mysql2';

/** Run first on every MySQL/MariaDB connection. An offset, not 'UTC': named zones need the server's zone tables. */
export const UTC_SESSION_SQL = "SET time_zone = '+00:00'";

/**
 * mysql2 whose pools put every new connection's session at UTC before it runs anything else.
 *
 * The driver converts dates as UTC (`timezone: 'Z'`), but the server's own clock — the CURRENT_TIMESTAMP defaults
 * and ON UPDATE of created_at/updated_at, NOW() of the sync leases — follows the session's zone, which is the
 * server's default (`--default-time-zone`, often the host's) unless set. On a server at +08:00 those columns were
 * 8 hours ahead of every date the service writes itself. mysql2 has no option for a statement at connect; its
 * pool announces each new connection (the 'connection' event) before handing it to the caller, and a connection
 * runs its statements in order, so the SET runs before the first statement TypeORM sends. Given to TypeORM as
 * its `driver`.
 */
export function mysql2WithUtcSessions(): typeof mysql2 {
  return {
    ...mysql2,
    createPool: ((config: mysql2.PoolOptions) => {
      const pool = mysql2.createPool(config);
      pool.on('connection', (connection) => {
        connection.query(UTC_SESSION_SQL, (error) => {
          // Never hand out a session in the server's zone: its next statement fails instead.
          if (error) connection.destroy();
        });
      });
      return pool;
    }) as typeof mysql2.createPool,
  };
}
