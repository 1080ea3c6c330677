import { DataSource } from 'typeorm';
import { parseDbDate, SqlDialect } from '@app/database';
import { Harness, startHarness } from './support/harness';

type Row = Record<string, unknown>;

/**
 * The dialect's bulk statements the ingest relies on, on both databases: `updateRows` (each row to its own values:
 * on MySQL/MariaDB one JSON_TABLE parameter whose column types come from the values) and `insertReturning` (the
 * inserted rows' ids from the same statement where the server can). Against a scratch table of their own.
 */
describe("the SQL dialect's bulk statements", () => {
  let h: Harness;
  let db: DataSource;
  let dialect: SqlDialect;
  const mysql = () => h.db.kind === 'mysql';

  beforeAll(async () => {
    h = await startHarness();
    db = h.api.get(DataSource);
    dialect = h.api.get(SqlDialect);
    await db.query(
      `CREATE TABLE dialect_probe (id BIGINT PRIMARY KEY, n BIGINT NULL, x DOUBLE NULL, d DATETIME(3) NULL,
        s VARCHAR(255) NULL, seq BIGINT NOT NULL DEFAULT 0)`,
    );
    await db.query(
      mysql()
        ? 'CREATE TABLE dialect_serial (id BIGINT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(64) NOT NULL UNIQUE, v INT NULL)'
        : 'CREATE TABLE dialect_serial (id INTEGER PRIMARY KEY AUTOINCREMENT, k VARCHAR(64) NOT NULL UNIQUE, v INT NULL)',
    );
  });

  afterAll(async () => {
    await h?.close();
  });

  const probe = async (): Promise<Row[]> =>
    (await db.query<Row[]>('SELECT id, n, x, d, s, seq FROM dialect_probe ORDER BY id')).map((r) => ({
      id: Number(r.id),
      n: r.n === null ? null : Number(r.n),
      x: r.x === null ? null : Number(r.x),
      d: r.d === null ? null : parseDbDate(r.d as string | Date).toISOString(),
      s: r.s,
      seq: Number(r.seq),
    }));

  it('updateRows sets each row to its own values (numbers, fractions, dates to the millisecond, text, null) and no other row', async () => {
    await db.query('DELETE FROM dialect_probe');
    await db.query(
      `INSERT INTO dialect_probe (id, n, x, d, s, seq) VALUES (1, 1, 1.5, NULL, 'one', 10), (2, 2, NULL, NULL, 'two', 20),
        (3, 3, NULL, NULL, 'three', 30)`,
    );
    const at = new Date('2026-03-04T05:06:07.089Z');
    await dialect.updateRows(
      db.manager,
      'dialect_probe',
      'id',
      ['n', 'x', 'd', 's', 'plus'],
      [
        [1, 9_007_199_254_740, 0.25, dialect.dateParam(at), '候选人：您好 "quoted" \\ back', 5],
        [3, null, null, null, null, 7],
      ],
      { n: 'v.n', x: 'v.x', d: 'v.d', s: 'v.s', seq: 't.seq + v.plus' },
    );
    expect(await probe()).toEqual([
      { id: 1, n: 9_007_199_254_740, x: 0.25, d: at.toISOString(), s: '候选人：您好 "quoted" \\ back', seq: 15 },
      { id: 2, n: 2, x: null, d: null, s: 'two', seq: 20 },
      { id: 3, n: null, x: null, d: null, s: null, seq: 37 },
    ]);
  });

  it('updateRows of a few rows of a small table does not wait on a lock another transaction holds on a row it does not update', async () => {
    await db.query('DELETE FROM dialect_probe');
    await db.query(`INSERT INTO dialect_probe (id, seq) VALUES (1, 0), (2, 0), (3, 0)`);
    if (!mysql()) return; // one connection, one transaction at a time: nothing to wait on
    const holder = db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query('SELECT id FROM dialect_probe WHERE id = 1 FOR UPDATE');
      const update = db.transaction((manager) =>
        dialect.updateRows(
          manager,
          'dialect_probe',
          'id',
          ['plus'],
          [
            [2, 1],
            [3, 1],
          ],
          { seq: 't.seq + v.plus' },
        ),
      );
      const waited = await Promise.race([
        update.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5_000)),
      ]);
      expect(waited).toBe(false);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    expect((await probe()).map((r) => r.seq)).toEqual([0, 1, 1]);
  });

  it('insertReturning gives each inserted row its id (where the server can), and a duplicate key fails the statement', async () => {
    const returned = await dialect.insertReturning(
      db.manager,
      'dialect_serial',
      ['k', 'v'],
      [
        ['b', 1],
        ['a', 2],
      ],
      ['id', 'k'],
    );
    const stored = await db.query<{ id: string | number; k: string }[]>('SELECT id, k FROM dialect_serial ORDER BY k');
    const canReturn =
      !mysql() ||
      (db.driver as { isReturningSqlSupported?(kind: string): boolean }).isReturningSqlSupported?.('insert');
    if (canReturn)
      expect(new Map(returned!.map((r) => [String(r.k), String(r.id)]))).toEqual(
        new Map(stored.map((r) => [r.k, String(r.id)])),
      );
    else expect(returned).toBeUndefined();
    expect(stored.map((r) => r.k)).toEqual(['a', 'b']);
    const again = dialect.insertReturning(
      db.manager,
      'dialect_serial',
      ['k', 'v'],
      [
        ['c', 3],
        ['a', 4],
      ],
      ['id', 'k'],
    );
    expect(
      await again.then(
        () => 'inserted',
        (e: unknown) => dialect.isUniqueViolation(e),
      ),
    ).toBe(true);
    expect((await db.query<{ k: string }[]>('SELECT k FROM dialect_serial ORDER BY k')).map((r) => r.k)).toEqual([
      'a',
      'b',
    ]);
  });
});
