import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  AddContacts, CancelTask, Caller, CreateTask, GetTask, ListContacts, ListTasks, PauseTask, StartTask,
} from '@app/task';
import { GetTaskStats } from '@app/stats';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { TaskOwnershipGuard } from '../auth/task-ownership.guard';
import { BotEntitlementGuard } from '../auth/bot-entitlement.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { AddContactsDto, CreateTaskDto, ListContactsQueryDto, ListTasksQueryDto } from './task.dto';

/** Recruiters' task routes. Controllers only map HTTP to use-case commands. */
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
    private readonly getTaskStats: GetTaskStats,
  ) {}

  @Post()
  @UseGuards(BotEntitlementGuard)
  create(@CurrentCaller() caller: Caller, @Body() body: CreateTaskDto) {
    return this.createTask.execute({ caller, ...body });
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: ListTasksQueryDto) {
    return this.listTasks.execute({ caller, ...query });
  }

  @Get(':id')
  @UseGuards(TaskOwnershipGuard)
  get(@CurrentCaller() caller: Caller, @Param('id') taskId: string) {
    return this.getTask.execute({ caller, taskId });
  }

  @Post(':id/contacts')
  @UseGuards(TaskOwnershipGuard)
  add(@CurrentCaller() caller: Caller, @Param('id') taskId: string, @Body() body: AddContactsDto) {
    return this.addContacts.execute({ caller, taskId, contacts: body.contacts });
  }

  @Get(':id/contacts')
  @UseGuards(TaskOwnershipGuard)
  contacts(@CurrentCaller() caller: Caller, @Param('id') taskId: string, @Query() query: ListContactsQueryDto) {
    return this.listContacts.execute({ caller, taskId, ...query });
  }

  @Post(':id/start')
  @HttpCode(200)
  @UseGuards(TaskOwnershipGuard, BotEntitlementGuard)
  start(@CurrentCaller() caller: Caller, @Param('id') taskId: string) {
    return this.startTask.execute({ caller, taskId });
  }

  @Post(':id/pause')
  @HttpCode(200)
  @UseGuards(TaskOwnershipGuard)
  pause(@CurrentCaller() caller: Caller, @Param('id') taskId: string) {
    return this.pauseTask.execute({ caller, taskId });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @UseGuards(TaskOwnershipGuard)
  cancel(@CurrentCaller() caller: Caller, @Param('id') taskId: string) {
    return this.cancelTask.execute({ caller, taskId });
  }

  @Get(':id/stats')
  @UseGuards(TaskOwnershipGuard)
  stats(@CurrentCaller() caller: Caller, @Param('id') taskId: string) {
    return this.getTaskStats.execute({ caller, taskId });
  }
}
