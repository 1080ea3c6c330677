import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Traces across the hops (issue 23, item 5): `ai_visitor_event.traceparent`, the W3C trace context of the span that
 * wrote the event (`00-<trace id>-<span id>-<flags>`, 55 characters), so that the relay's delivery, in another
 * process and later, continues the trace of the push (or request) that caused it. Null with tracing off, and for
 * every existing row. A nullable column at the end: instant on MySQL 8 and MariaDB 10.3+, no table copy.
 */
export class EventTraceContext1765910000000 implements MigrationInterface {
  name = 'EventTraceContext1765910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    await queryRunner.query(
      sqlite
        ? 'ALTER TABLE ai_visitor_event ADD COLUMN traceparent VARCHAR(55) NULL'
        : 'ALTER TABLE ai_visitor_event ADD COLUMN traceparent VARCHAR(55) CHARACTER SET ascii COLLATE ascii_bin NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE ai_visitor_event DROP COLUMN traceparent');
  }
}
