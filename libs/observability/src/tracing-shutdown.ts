import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from '@app/core';

/** At shutdown, the spans still buffered are exported (the last push's trace is not lost); nothing when tracing is off. */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}
