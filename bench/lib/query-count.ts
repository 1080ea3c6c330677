import { MysqlQueryRunner } from 'typeorm/driver/mysql/MysqlQueryRunner';

export interface QueryCount {
  total: number;
  /** Statements by shape (literals, placeholder lists and numbers folded), most frequent first. */
  byShape: [string, number][];
}

/** A statement's shape: what it does, without its values, so that the same statement counts once. */
function shape(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'?'")
    .replace(/\b\d+\b/g, 'N')
    .replace(/\((?:\s*\?\s*,?)+\)/g, '(?…)')
    .replace(/(?:\(\?…\)\s*,\s*)+\(\?…\)/g, '(?…)…')
    .replace(/(?:SELECT \?(?: AS \w+)?(?:, \?(?: AS \w+)?)* UNION ALL )+SELECT [^)]*/g, 'SELECT …rows…')
    .trim()
    .slice(0, 160);
}

/**
 * Counts the statements the app's TypeORM connections (MySQL/MariaDB driver, this process) send while `work`
 * runs, including BEGIN/COMMIT. A measurement aid for the bench only: it wraps the query runner's `query` and
 * puts it back after.
 */
export async function countQueries<T>(work: () => Promise<T>): Promise<{ value: T; queries: QueryCount }> {
  const proto = MysqlQueryRunner.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const counts = new Map<string, number>();
  const wrap = (name: string) => {
    const original = proto[name];
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const key = shape(String(args[0]));
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return original.apply(this, args);
    };
    return () => (proto[name] = original);
  };
  // START TRANSACTION and COMMIT go through query() too.
  const restore = [wrap('query')];
  try {
    const value = await work();
    const byShape = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    return { value, queries: { total: byShape.reduce((n, [, c]) => n + c, 0), byShape } };
  } finally {
    for (const r of restore) r();
  }
}
