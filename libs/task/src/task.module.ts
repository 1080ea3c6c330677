import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { TaskEntity } from './entities/task.entity';
import { ContactEntity } from './entities/contact.entity';
import { CallTaskEntity } from './entities/call-task.entity';
import { CallRecordEntity } from './entities/call-record.entity';
import { CallConversationEntity } from './entities/call-conversation.entity';
import { TaskRepository } from './repositories/task.repository';
import { ContactRepository } from './repositories/contact.repository';
import { CallRecordRepository } from './repositories/call-record.repository';
import { CallConversationRepository } from './repositories/call-conversation.repository';
import { ContactPhones } from './repositories/contact-phones';
import { CampaignGatewayModule } from '@app/campaign-gateway';
import { TASK_METRIC_PROVIDERS } from './metrics/task-metrics';
import { ContactCalledEvents, IngestPushedRecords, RunEdgePass, RunSyncPass, SYNC_PROVIDERS } from './sync';
import { AuthorizeTaskAccess } from './usecases/authorize-task-access.usecase';
import { ContactIntake } from './contact-intake.service';
import { ContactFullPhones } from './contact-full-phones';
import { SuppressionModule } from '@app/suppression';
import { EventsModule } from '@app/events';
import { StatsModule } from '@app/stats';
import { TASK_SETTINGS, taskConfig } from './task.settings';
import { CreateTask } from './usecases/create-task.usecase';
import { AddContacts } from './usecases/add-contacts.usecase';
import { GetTask } from './usecases/get-task.usecase';
import { ListTasks } from './usecases/list-tasks.usecase';
import { ListContacts } from './usecases/list-contacts.usecase';
import { StartTask } from './usecases/start-task.usecase';
import { PauseTask } from './usecases/pause-task.usecase';
import { CancelTask } from './usecases/cancel-task.usecase';
import { ExportContacts } from './usecases/export-contacts.usecase';
import { EraseCandidates } from './usecases/erase-candidates.usecase';
import { PurgeExpiredConversations } from './usecases/purge-expired-conversations.usecase';
import { EditTask } from './usecases/edit-task.usecase';
import { WithdrawContacts } from './usecases/withdraw-contacts.usecase';
import { ListContactCalls } from './usecases/list-contact-calls.usecase';
import { FollowUpTask } from './usecases/follow-up-task.usecase';
import { RunScheduledStarts } from './usecases/run-scheduled-starts.usecase';

const USE_CASES = [
  AuthorizeTaskAccess,
  CreateTask,
  AddContacts,
  GetTask,
  ListTasks,
  ListContacts,
  ListContactCalls,
  StartTask,
  PauseTask,
  CancelTask,
  ExportContacts,
  EraseCandidates,
  PurgeExpiredConversations,
  EditTask,
  WithdrawContacts,
  FollowUpTask,
  RunScheduledStarts,
];
/** The sync engine's use cases the apps run (the worker's passes, the API's pushed results). */
const SYNC_USE_CASES = [RunSyncPass, RunEdgePass, IngestPushedRecords];

/**
 * Outreach tasks, their contacts and their remote campaigns (call tasks), with every use case on them. Imports
 * what it uses: the robot-call platform (CampaignGatewayModule, from the ROBOT_CALL_* configuration), the firm's
 * BOT entitlement and its number registry. Needs only the app's infrastructure roots: configuration, the
 * database, the clock and the phone vault. The sync engine (`./sync`) brings its own providers. Exports the use
 * cases, `ContactFullPhones` (the events lib's full-number port, for the worker's webhook relay) and
 * `ContactCalledEvents` (the events lib's renderer of `records` batches, for the modules hosting its sequencer).
 */
@Module({})
export class TaskModule {
  /** Settings come from `taskConfig` (TASK_* / SYNC_* variables): the app loads that namespace. */
  static forRoot(): DynamicModule {
    return {
      module: TaskModule,
      imports: [
        TypeOrmModule.forFeature([TaskEntity, ContactEntity, CallTaskEntity, CallRecordEntity, CallConversationEntity]),
        CampaignGatewayModule.forRootFromConfig(),
        FirmBotQuotaModule,
        SuppressionModule,
        EventsModule,
        StatsModule,
      ],
      providers: [
        { provide: TASK_SETTINGS, useExisting: taskConfig.KEY },
        ...TASK_METRIC_PROVIDERS,
        TaskRepository,
        ContactRepository,
        CallRecordRepository,
        CallConversationRepository,
        ContactPhones,
        ContactIntake,
        ContactFullPhones,
        ...SYNC_PROVIDERS,
        ...USE_CASES,
      ],
      exports: [...USE_CASES, ...SYNC_USE_CASES, ContactFullPhones, ContactCalledEvents],
    };
  }
}
