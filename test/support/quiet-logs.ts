import { Logger } from '@nestjs/common';
import { nestLogLevels } from './test-log-level';

/**
 * Before each test file (jest `setupFiles`): Nest's static logger, which prints what happens outside an app
 * (the migrations every e2e file applies to its fresh database), at the suite's LOG_LEVEL. The apps the tests
 * boot read the same LOG_LEVEL for their pino logs.
 */
Logger.overrideLogger(nestLogLevels());
