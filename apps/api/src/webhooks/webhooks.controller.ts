import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Caller } from '@app/core';
import {
  DeleteWebhook,
  GetWebhook,
  ListWebhooks,
  RedeliverEvents,
  RegisterWebhook,
  RotateWebhookSecret,
  UpdateWebhook,
} from '@app/events';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { ApiErrors, BODY_ERRORS, DATABASE_ERRORS, USER_AUTH_ERRORS } from '../http/api-errors';
import { idParam } from '../http/invalid-id.error';
import { instantOf } from '../http/zoned-date-time';
import { ApiAdminAuth, ApiServiceAuth } from '../openapi';
import { AdminWebhookQueryDto, CreateWebhookDto, RedeliverDto, UpdateWebhookDto } from './webhooks.dto';
import { RedeliveryResponse, RegisteredWebhookResponse, WebhookResponse } from './webhooks.responses';

const ID_PARAM = { name: 'id', description: 'Webhook id (digits)', example: '3' };

/** Operations register the endpoints events are POSTed to (docs/webhooks.md). */
@ApiTags('admin')
@ApiAdminAuth()
@Controller('admin/webhooks')
@UseGuards(AdminAuthGuard)
export class AdminWebhooksController {
  constructor(
    private readonly registerWebhook: RegisterWebhook,
    private readonly listWebhooks: ListWebhooks,
    private readonly getWebhook: GetWebhook,
    private readonly updateWebhook: UpdateWebhook,
    private readonly deleteWebhook: DeleteWebhook,
    private readonly rotateWebhookSecret: RotateWebhookSecret,
    private readonly redeliverEvents: RedeliverEvents,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register an endpoint; its signing secret is answered this once' })
  @ApiCreatedResponse({ type: RegisteredWebhookResponse, description: 'The endpoint, with its secret' })
  @ApiErrors('UNAUTHENTICATED', ...BODY_ERRORS, 'WEBHOOK_URL_NOT_ALLOWED', ...DATABASE_ERRORS)
  create(@Body() body: CreateWebhookDto) {
    return this.registerWebhook.execute(body);
  }

  @Get()
  @ApiOperation({ summary: 'Every endpoint with its health (never the secrets)' })
  @ApiOkResponse({ type: [WebhookResponse], description: 'The endpoints, in registration order' })
  @ApiErrors('UNAUTHENTICATED', 'VALIDATION_FAILED', ...DATABASE_ERRORS)
  list(@Query() query: AdminWebhookQueryDto) {
    return this.listWebhooks.execute({ firmId: query.firmId });
  }

  @Get(':id')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'One endpoint with its health' })
  @ApiOkResponse({ type: WebhookResponse, description: 'The endpoint' })
  @ApiErrors('UNAUTHENTICATED', 'VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND', ...DATABASE_ERRORS)
  get(@Param('id') id: string) {
    return this.getWebhook.execute({ id: idParam('id', id) });
  }

  @Patch(':id')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary: 'Change the URL, the types, full numbers, or disable / enable (enabling clears the failure streak)',
  })
  @ApiOkResponse({ type: WebhookResponse, description: 'The endpoint as changed' })
  @ApiErrors('UNAUTHENTICATED', ...BODY_ERRORS, 'WEBHOOK_URL_NOT_ALLOWED', 'WEBHOOK_NOT_FOUND', ...DATABASE_ERRORS)
  update(@Param('id') id: string, @Body() body: UpdateWebhookDto) {
    return this.updateWebhook.execute({ id: idParam('id', id), ...body });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'Delete an endpoint and its pending deliveries' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors('UNAUTHENTICATED', 'VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND', ...DATABASE_ERRORS)
  async remove(@Param('id') id: string): Promise<void> {
    await this.deleteWebhook.execute({ id: idParam('id', id) });
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary: 'Replace the signing secret without a gap; the new secret is answered this once',
    description:
      'The secret it replaces keeps signing every delivery beside the new one for `WEBHOOK_SECRET_OVERLAP_HOURS` (24): ' +
      '`webhook-signature` carries both `v1,…` entries (space-separated) and `X-AIV-Signature` both `v1=` (the new one first), ' +
      'so receivers switch over at their pace. Until `previousSecretExpiresAt` the endpoint cannot be rotated again (409 `WEBHOOK_SECRET_ROTATING`).',
  })
  @ApiOkResponse({
    type: RegisteredWebhookResponse,
    description: 'The endpoint, with its new secret and the end of the overlap',
  })
  @ApiErrors('UNAUTHENTICATED', 'VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND', 'WEBHOOK_SECRET_ROTATING', ...DATABASE_ERRORS)
  rotateSecret(@Param('id') id: string) {
    return this.rotateWebhookSecret.execute({ id: idParam('id', id) });
  }

  @Post(':id/redeliver')
  @HttpCode(200)
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary: 'Send events again: those created in [from, to), or those listed in eventIds',
    description:
      "Each event the endpoint receives (its firm's, its types) gets its delivery put back to pending with a fresh retry period, " +
      "or a new one if it never had one. Per-task order holds: a task's later pending events wait for its earlier ones. " +
      'Only events already in the feed are taken: one committed moments ago and not positioned yet is sent by the fan-out anyway.',
  })
  @ApiOkResponse({ type: RedeliveryResponse, description: 'How many deliveries were scheduled' })
  @ApiErrors('UNAUTHENTICATED', ...BODY_ERRORS, 'WEBHOOK_NOT_FOUND', ...DATABASE_ERRORS)
  redeliver(@Param('id') id: string, @Body() body: RedeliverDto) {
    return this.redeliverEvents.execute({
      webhookId: idParam('id', id),
      from: body.from === undefined ? undefined : instantOf(body.from),
      to: body.to === undefined ? undefined : instantOf(body.to),
      eventIds: body.eventIds,
    });
  }
}

/** A firm sees the endpoints registered for it, and how their deliveries go. */
@ApiTags('webhooks')
@ApiServiceAuth()
@Controller('webhooks')
@UseGuards(ServiceAuthGuard)
export class FirmWebhooksController {
  constructor(private readonly listWebhooks: ListWebhooks) {}

  @Get()
  @ApiOperation({
    summary: "The calling firm's endpoints with their health (never the secrets)",
    description:
      "Only the endpoints registered for the firm: the platform's all-firms endpoints carry every firm's events and are not shown.",
  })
  @ApiOkResponse({ type: [WebhookResponse], description: "The firm's endpoints" })
  @ApiErrors(...USER_AUTH_ERRORS, ...DATABASE_ERRORS)
  list(@CurrentCaller() caller: Caller) {
    return this.listWebhooks.execute({ firmId: caller.firmId });
  }
}
