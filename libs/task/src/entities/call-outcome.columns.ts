import { Column } from 'typeorm';
import { CallResult, Intention } from '../domain/statuses';
import { FAIL_REASON_LENGTH } from '../domain/wire-fit';

/**
 * The columns of one call's outcome, the same in a call record (every call) and in its contact (the last call):
 * declared once, inherited by both entities (TypeORM's concrete-table inheritance: each keeps its own table).
 */
export abstract class CallOutcomeColumns {
  @Column({ name: 'call_result', type: 'tinyint' })
  callResult: CallResult;

  @Column({ name: 'fail_reason', type: 'varchar', length: FAIL_REASON_LENGTH, nullable: true })
  failReason: string | null;

  /** Spelling as in the review's schema. */
  @Column({ name: 'intension_result', type: 'tinyint' })
  intensionResult: Intention;

  @Column({ name: 'duration_sec', type: 'int' })
  durationSec: number;
}
