import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { TaskEntity } from './entities/task.entity';
import { ContactEntity } from './entities/contact.entity';
import { CallTaskEntity } from './entities/call-task.entity';
import { CallRecordEntity } from './entities/call-record.entity';
import { TaskRepository } from './repositories/task.repository';
import { ContactRepository } from './repositories/contact.repository';
import { CampaignLauncher } from './campaign-launcher';
import { RecordIngestor } from './record-ingestor';
import { SyncLeases } from './sync-leases';
import { ContactIntake } from './contact-intake.service';
import { SuppressionModule } from '@app/suppression';
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

const USE_CASES = [CreateTask, AddContacts, GetTask, ListTasks, ListContacts, StartTask, PauseTask, CancelTask, SyncTask, RunSyncPass, RunEdgePass, IngestPushedRecords, ExportContacts];

/**
 * Outreach tasks, their contacts and their remote campaigns (call tasks), with every use case on them.
 * Needs a `CampaignGatewayClient` (import CampaignGatewayModule globally in the app) and the database module.
 */
@Module({})
export class TaskModule {
  /** Settings come from `taskConfig` (TASK_* / SYNC_* variables): the app loads that namespace. */
  static forRoot(): DynamicModule {
    return {
      module: TaskModule,
      global: true,
      imports: [TypeOrmModule.forFeature([TaskEntity, ContactEntity, CallTaskEntity, CallRecordEntity]), FirmBotQuotaModule, SuppressionModule],
      providers: [
        { provide: TASK_SETTINGS, useExisting: taskConfig.KEY },
        TaskRepository,
        ContactRepository,
        CampaignLauncher,
        RecordIngestor,
        SyncLeases,
        ContactIntake,
        ...USE_CASES,
      ],
      exports: [TASK_SETTINGS, TaskRepository, RecordIngestor, SyncLeases, ...USE_CASES],
    };
  }
}
