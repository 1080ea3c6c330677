import { Logger as NestLogger } from '@nestjs/common';
import { Logger as TypeOrmLogger } from 'typeorm';
import { maskPhonesInText } from '@app/core';

/**
 * TypeORM's own loggers print query parameters, which hold phone numbers. This one never prints parameters,
 * masks numbers in SQL text and error messages, and writes through Nest's logger.
 */
export class SafeTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  constructor(private readonly logQueries: boolean) {}

  logQuery(query: string): void {
    if (this.logQueries) this.logger.debug(maskPhonesInText(query));
  }

  logQueryError(error: string | Error, query: string): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.warn(`query failed: ${maskPhonesInText(message)} -- ${maskPhonesInText(query).slice(0, 500)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${maskPhonesInText(query).slice(0, 500)}`);
  }

  // Schema and migration messages carry no personal data (and masking would mangle migration timestamps).
  logSchemaBuild(message: string): void {
    this.logger.log(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = maskPhonesInText(String(message));
    if (level === 'warn') this.logger.warn(text);
    else this.logger.log(text);
  }
}
