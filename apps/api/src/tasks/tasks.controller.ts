import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Caller } from '@app/core';
import {
  AddContacts,
  CancelTask,
  CreateTask,
  EditTask,
  FollowUpTask,
  GetTask,
  ListContactCalls,
  ListContacts,
  ListTasks,
  PauseTask,
  StartTask,
  TaskAccess,
  WithdrawContacts,
} from '@app/task';
import { GetTaskStats } from '@app/stats';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { TaskOwnershipGuard } from '../auth/task-ownership.guard';
import { BotEntitlementGuard } from '../auth/bot-entitlement.guard';
import { CurrentCaller, GrantedTask } from '../auth/caller.decorator';
import {
  ApiErrors,
  BODY_ERRORS,
  BOT_ERRORS,
  DATABASE_ERRORS,
  OWNED_TASK_ERRORS,
  ROBOT_CALL_ERRORS,
  USER_AUTH_ERRORS,
} from '../http/api-errors';
import { ApiServiceAuth } from '../openapi';
import { idParam } from '../http/invalid-id.error';
import {
  AddContactsDto,
  CreateTaskDto,
  EditTaskDto,
  FollowUpDto,
  ListContactsQueryDto,
  ListTasksQueryDto,
  StartTaskDto,
  WithdrawContactsDto,
} from './task.dto';
import { instantOf } from '../http/zoned-date-time';
import {
  AddContactsResponse,
  ContactCallsResponse,
  ContactPageResponse,
  CreateTaskResponse,
  FollowUpTaskResponse,
  TaskPageResponse,
  TaskResponse,
  TaskStatsResponse,
  WithdrawContactsResponse,
} from './task.responses';

export const TaskId = () => ApiParam({ name: 'id', description: 'Task id (digits)', example: '42' });

/** Recruiters' task routes. Controllers only map HTTP to use-case commands. */
@ApiTags('tasks')
@ApiServiceAuth()
@Controller('tasks')
@UseGuards(ServiceAuthGuard)
export class TasksController {
  constructor(
    private readonly createTask: CreateTask,
    private readonly addContacts: AddContacts,
    private readonly listTasks: ListTasks,
    private readonly getTask: GetTask,
    private readonly startTask: StartTask,
    private readonly pauseTask: PauseTask,
    private readonly cancelTask: CancelTask,
    private readonly listContacts: ListContacts,
    private readonly listContactCalls: ListContactCalls,
    private readonly getTaskStats: GetTaskStats,
    private readonly editTask: EditTask,
    private readonly withdrawContacts: WithdrawContacts,
    private readonly followUpTask: FollowUpTask,
  ) {}

  @Post()
  @UseGuards(BotEntitlementGuard)
  @ApiOperation({ summary: "Create a task with contacts; takes one slot of the firm's quota" })
  @ApiCreatedResponse({ type: CreateTaskResponse, description: 'The task created, and what became of each contact' })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...BODY_ERRORS,
    ...BOT_ERRORS,
    'BOT_TASK_QUOTA_EXCEEDED',
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  create(@CurrentCaller() caller: Caller, @Body() body: CreateTaskDto) {
    const { startAt, ...rest } = body;
    return this.createTask.execute({
      caller,
      ...rest,
      startAt: startAt === undefined ? undefined : instantOf(startAt),
    });
  }

  @Get()
  @ApiOperation({ summary: "The calling account's tasks, newest first" })
  @ApiOkResponse({ type: TaskPageResponse, description: 'A page of tasks' })
  @ApiErrors(...USER_AUTH_ERRORS, 'VALIDATION_FAILED', ...DATABASE_ERRORS)
  list(@CurrentCaller() caller: Caller, @Query() query: ListTasksQueryDto) {
    return this.listTasks.execute({ caller, ...query });
  }

  @Get(':id')
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({ summary: 'The task, with its active campaign' })
  @ApiOkResponse({ type: TaskResponse, description: 'The task as it is now' })
  @ApiErrors(...USER_AUTH_ERRORS, ...OWNED_TASK_ERRORS, ...DATABASE_ERRORS)
  get(@GrantedTask() access: TaskAccess) {
    return this.getTask.execute({ access });
  }

  @Patch(':id')
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({
    summary: "Change a task's name, call window, attempts, retry gap or batch size while it is not finished",
    description:
      "Writes `task.updated` with what changed. A window change takes effect at the worker's next minute check (a " +
      'running task outside the new window pauses); a lower maxAttempts ends the contacts waiting for a retry that had ' +
      'that many calls; a new retry gap moves their due times; a batch size applies from the next campaign',
  })
  @ApiOkResponse({ type: TaskResponse, description: 'The task as it is now' })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...BODY_ERRORS,
    ...OWNED_TASK_ERRORS,
    'TASK_FINISHED',
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  edit(@GrantedTask() access: TaskAccess, @Body() body: EditTaskDto) {
    return this.editTask.execute({ access, edit: body });
  }

  @Post(':id/contacts/withdraw')
  @HttpCode(200)
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({
    summary: 'Withdraw candidates, by contact id or by number (not both; at most 1,000)',
    description:
      'A contact not in a campaign is skipped `withdrawn` at once and never dialled; one a running campaign holds may ' +
      'still be called by it, and is withdrawn when that campaign is done with it (its result kept). Each withdrawal ' +
      'writes `contact.withdrawn`',
  })
  @ApiOkResponse({ type: WithdrawContactsResponse, description: 'What became of each contact named' })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...BODY_ERRORS,
    ...OWNED_TASK_ERRORS,
    'TASK_FINISHED',
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  withdraw(@GrantedTask() access: TaskAccess, @Body() body: WithdrawContactsDto) {
    return this.withdrawContacts.execute({ access, contactIds: body.contactIds, phones: body.phones });
  }

  @Post(':id/contacts')
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({ summary: 'Add contacts in bulk (at most 10,000); a running task calls them in its next campaign' })
  @ApiCreatedResponse({ type: AddContactsResponse, description: 'What became of each contact' })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...BODY_ERRORS,
    ...OWNED_TASK_ERRORS,
    'TASK_FINISHED',
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  add(@GrantedTask() access: TaskAccess, @Body() body: AddContactsDto) {
    return this.addContacts.execute({ access, contacts: body.contacts });
  }

  @Get(':id/contacts')
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({ summary: 'Contacts with their results; phone numbers masked' })
  @ApiOkResponse({ type: ContactPageResponse, description: 'A page of contacts, numbers masked' })
  @ApiErrors(...USER_AUTH_ERRORS, ...OWNED_TASK_ERRORS, ...DATABASE_ERRORS)
  contacts(@GrantedTask() access: TaskAccess, @Query() query: ListContactsQueryDto) {
    return this.listContacts.execute({ access, ...query });
  }

  @Get(':id/contacts/:contactId/calls')
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiParam({ name: 'contactId', description: "A contact of the task (digits: a contact's `id`)", example: '1001' })
  @ApiOperation({
    summary:
      "A contact's call history, newest first: each call's result, intention, duration, time, fail reason, and what " +
      'the candidate said (summary, transcript, recording link)',
  })
  @ApiOkResponse({
    type: ContactCallsResponse,
    description: 'Every call of the contact, newest first',
    example: {
      contactId: '1001',
      erased: false,
      items: [
        {
          recordId: 'rec_000002_1001',
          callResult: 1,
          intention: 1,
          durationSec: 37,
          calledAt: '2026-11-29T02:10:00.000Z',
          failReason: null,
          summary: '候选人对岗位感兴趣，希望周末面试。',
          transcript: '机器人：您好，我是某某公司的招聘助理。\n候选人：你好，我对这个岗位有兴趣。',
          recordingUrl: 'https://recordings.robot-call.example/r/rec_000002_1001.mp3',
        },
        {
          recordId: 'rec_000001_1001',
          callResult: 2,
          intention: 0,
          durationSec: 0,
          calledAt: '2026-11-28T02:03:04.000Z',
          failReason: 'no_answer',
          summary: null,
          transcript: null,
          recordingUrl: null,
        },
      ],
    },
  })
  @ApiErrors(...USER_AUTH_ERRORS, ...OWNED_TASK_ERRORS, 'CONTACT_NOT_FOUND', ...DATABASE_ERRORS)
  calls(@GrantedTask() access: TaskAccess, @Param('contactId') contactId: string) {
    return this.listContactCalls.execute({ access, contactId: idParam('contactId', contactId) });
  }

  @Post(':id/start')
  @HttpCode(200)
  @UseGuards(TaskOwnershipGuard, BotEntitlementGuard)
  @TaskId()
  @ApiOperation({
    summary:
      'Start, or resume a paused task; a no-op on a running one. With `{ at }` in the future: schedule a task not ' +
      'started (again: reschedule); `{ at: null }`: unschedule',
  })
  @ApiBody({ type: StartTaskDto, required: false })
  @ApiOkResponse({ type: TaskResponse, description: 'The task as it is now' })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...BODY_ERRORS,
    ...OWNED_TASK_ERRORS,
    ...BOT_ERRORS,
    'TASK_FINISHED',
    'TASK_ALREADY_STARTED',
    'NO_CONTACTS_WAITING',
    ...ROBOT_CALL_ERRORS,
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  start(@GrantedTask() access: TaskAccess, @Body() body: StartTaskDto = {}) {
    const at = body?.at;
    return this.startTask.execute({ access, ...(at === undefined ? {} : { at: at === null ? null : instantOf(at) }) });
  }

  @Post(':id/follow-up')
  @UseGuards(TaskOwnershipGuard, BotEntitlementGuard)
  @TaskId()
  @ApiOperation({
    summary:
      "A new task from a finished or paused task's contacts that match the filter (call the unreached again); takes " +
      'one slot of the quota',
  })
  @ApiCreatedResponse({
    type: FollowUpTaskResponse,
    description: 'The new task, and what became of each copied contact',
  })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...BODY_ERRORS,
    ...OWNED_TASK_ERRORS,
    ...BOT_ERRORS,
    'BOT_TASK_QUOTA_EXCEEDED',
    'TASK_NOT_SETTLED',
    'NO_CONTACTS_MATCH',
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  followUp(@GrantedTask() access: TaskAccess, @Body() body: FollowUpDto) {
    return this.followUpTask.execute({ access, name: body.name, filter: body.filter, settings: body.settings });
  }

  @Post(':id/pause')
  @HttpCode(200)
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({ summary: 'Pause the running campaign' })
  @ApiOkResponse({ type: TaskResponse, description: 'The task as it is now' })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...OWNED_TASK_ERRORS,
    'TASK_NOT_RUNNING',
    'TASK_FINISHED',
    ...ROBOT_CALL_ERRORS,
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  pause(@GrantedTask() access: TaskAccess) {
    return this.pauseTask.execute({ access });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({ summary: 'Stop for good (status 6); a never-started task gives its quota slot back' })
  @ApiOkResponse({ type: TaskResponse, description: 'The task as it is now' })
  @ApiErrors(
    ...USER_AUTH_ERRORS,
    ...OWNED_TASK_ERRORS,
    'TASK_FINISHED',
    ...ROBOT_CALL_ERRORS,
    'DATABASE_BUSY',
    ...DATABASE_ERRORS,
  )
  cancel(@GrantedTask() access: TaskAccess) {
    return this.cancelTask.execute({ access });
  }

  @Get(':id/stats')
  @UseGuards(TaskOwnershipGuard)
  @TaskId()
  @ApiOperation({ summary: 'Totals by status, result and intention; attempts; connect and interest rates' })
  @ApiOkResponse({ type: TaskStatsResponse, description: "The task's statistics" })
  @ApiErrors(...USER_AUTH_ERRORS, ...OWNED_TASK_ERRORS, ...DATABASE_ERRORS)
  stats(@GrantedTask() access: TaskAccess) {
    return this.getTaskStats.execute({ access });
  }
}
