import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { TaskEntity } from './entities/task.entity';
import { ContactEntity } from './entities/contact.entity';
import { CallTaskEntity } from './entities/call-task.entity';
import { CallRecordEntity } from './entities/call-record.entity';
import { TaskRepository } from './repositories/task.repository';
import { ContactRepository } from './repositories/contact.repository';
import { CallRecordRepository } from './repositories/call-record.repository';
import { ContactPhones } from './repositories/contact-phones';
import { CampaignGatewayModule } from '@app/campaign-gateway';
import { SyncMetrics } from './metrics/sync-metrics';
import { PrometheusSyncMetrics } from './metrics/prometheus-sync-metrics';
import { TASK_METRIC_PROVIDERS } from './metrics/task-metrics';
import { AuthorizeTaskAccess } from './usecases/authorize-task-access.usecase';
import { CampaignLauncher } from './campaign-launcher';
import { ContactCalledEvents } from './contact-called-events';
import { RecordIngestor } from './record-ingestor';
import { SyncLeases } from './sync-leases';
import { CampaignEndFollower } from './campaign-end-follower';
import { ContactIntake } from './contact-intake.service';
import { ContactFullPhones } from './contact-full-phones';
import { SuppressionModule } from '@app/suppression';
import { EventsModule } from '@app/events';
import { TASK_SETTINGS, taskConfig } from './task.settings';
import { CreateTask } from './usecases/create-task.usecase';
import { AddContacts } from './usecases/add-contacts.usecase';
import { GetTask } from './usecases/get-task.usecase';
import { ListTasks } from './usecases/list-tasks.usecase';
import { ListContacts } from './usecases/list-contacts.usecase';
import { StartTask } from './usecases/start-task.usecase';
import { PauseTask } from './usecases/pause-task.usecase';
import { CancelTask } from './usecases/cancel-task.usecase';
import { SyncTask } from './usecases/sync-task.usecase';
import { RunSyncPass } from './usecases/run-sync-pass.usecase';
import { RunEdgePass } from './usecases/run-edge-pass.usecase';
import { IngestPushedRecords } from './usecases/ingest-pushed-records.usecase';
import { ExportContacts } from './usecases/export-contacts.usecase';

const USE_CASES = [AuthorizeTaskAccess, CreateTask, AddContacts, GetTask, ListTasks, ListContacts, StartTask, PauseTask, CancelTask, SyncTask, RunSyncPass, RunEdgePass, IngestPushedRecords, ExportContacts];

/**
 * Outreach tasks, their contacts and their remote campaigns (call tasks), with every use case on them. Imports
 * what it uses: the robot-call platform (CampaignGatewayModule, from the ROBOT_CALL_* configuration), the firm's
 * BOT entitlement and its number registry. Needs only the app's infrastructure roots: configuration, the
 * database, the clock and the phone vault. Exports its use cases, `SyncLeases`, and `ContactFullPhones` (the
 * events lib's full-number port, for the worker's webhook relay).
 */
@Module({})
export class TaskModule {
  /** Settings come from `taskConfig` (TASK_* / SYNC_* variables): the app loads that namespace. */
  static forRoot(): DynamicModule {
    return {
      module: TaskModule,
      imports: [
        TypeOrmModule.forFeature([TaskEntity, ContactEntity, CallTaskEntity, CallRecordEntity]),
        CampaignGatewayModule.forRootFromConfig(),
        FirmBotQuotaModule,
        SuppressionModule,
        EventsModule,
      ],
      providers: [
        { provide: TASK_SETTINGS, useExisting: taskConfig.KEY },
        ...TASK_METRIC_PROVIDERS,
        { provide: SyncMetrics, useClass: PrometheusSyncMetrics },
        TaskRepository,
        ContactRepository,
        CallRecordRepository,
        ContactPhones,
        CampaignLauncher,
        RecordIngestor,
        SyncLeases,
        CampaignEndFollower,
        ContactIntake,
        ContactFullPhones,
        ContactCalledEvents,
        ...USE_CASES,
      ],
      exports: [...USE_CASES, SyncLeases, CampaignEndFollower, ContactFullPhones],
    };
  }
}
