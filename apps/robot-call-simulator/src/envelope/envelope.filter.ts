import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Response } from 'express';
import { Envelope, RefusalCode, ReplyLost, SimulatorRefusal } from './envelope';

/** Answers every failure in the contract's envelope, including Nest's own (bad JSON, unknown route). */
@Catch()
export class EnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('RobotCallSimulator');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ReplyLost) {
      response.socket?.destroy();
      return;
    }
    const refusal = this.toRefusal(exception);
    const body: Envelope = { code: refusal.code, message: refusal.message, data: null };
    if (response.headersSent || response.destroyed) return;
    response.status(refusal.httpStatus).json(body);
  }

  private toRefusal(exception: unknown): SimulatorRefusal {
    if (exception instanceof SimulatorRefusal) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 401) return new SimulatorRefusal(RefusalCode.Unauthorized, exception.message);
      if (status === 404) return new SimulatorRefusal(RefusalCode.NotFound, exception.message);
      if (status < 500) return new SimulatorRefusal(RefusalCode.InvalidParameters, exception.message);
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return new SimulatorRefusal(RefusalCode.Internal, 'internal error');
  }
}
