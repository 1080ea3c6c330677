import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { ExportContacts, TaskAccess } from '@app/task';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { TaskOwnershipGuard } from '../auth/task-ownership.guard';
import { GrantedTask } from '../auth/caller.decorator';
import { ExportContactsQueryDto } from './task.dto';
import { ApiErrors, DATABASE_ERRORS, OWNED_TASK_ERRORS, USER_AUTH_ERRORS } from '../http/api-errors';
import { ApiServiceAuth } from '../openapi';
import { TaskId } from './tasks.controller';
import { contactsCsv } from './contacts-csv';

/** A task's results as CSV for recruiters; streamed, so memory stays flat whatever the task's size. */
@ApiTags('tasks')
@ApiServiceAuth()
@Controller('tasks')
@UseGuards(ServiceAuthGuard)
export class TaskExportController {
  constructor(private readonly exportContacts: ExportContacts) {}

  @Get(':id/contacts.csv')
  @UseGuards(TaskOwnershipGuard)
  @ApiOperation({ summary: 'Export contacts and results as CSV (UTF-8 with BOM; full phone numbers)' })
  @TaskId()
  // The CSV is this route's only text/csv answer: its errors are JSON, as everywhere (no @ApiProduces, which would
  // put them under text/csv too).
  @ApiOkResponse({ description: 'The CSV, streamed', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiErrors(...USER_AUTH_ERRORS, ...OWNED_TASK_ERRORS, ...DATABASE_ERRORS)
  async export(
    @GrantedTask() access: TaskAccess,
    @Query() query: ExportContactsQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    // Awaited before the first byte: a refused caller gets its error status, not a CSV cut short.
    const { status, callResult, intention } = query;
    const contacts = await this.exportContacts.execute({ access, status, callResult, intention });
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="task-${access.taskId}-contacts.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    await pipeline(Readable.from(contactsCsv(contacts)), res);
  }
}
