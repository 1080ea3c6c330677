import { ApiProperty } from '@nestjs/swagger';
import { ErasedInTask, ErasureResult } from '@app/task';

/** The erasure's answer, for the OpenAPI document (mirroring the task lib's ErasureResult): counts, never a number. */

export class ErasedInTaskResponse implements ErasedInTask {
  @ApiProperty({ example: '42' })
  taskId: string;

  @ApiProperty({ description: 'Contacts erased in the task (one per number found there)', example: 1 })
  contacts: number;

  @ApiProperty({
    description: "Conversations deleted (the contacts' calls' summaries, transcripts, recording links)",
    example: 2,
  })
  conversations: number;

  @ApiProperty({
    description: 'Events of the task redacted in place (contact.called, candidate.interested, contact.withdrawn)',
    example: 3,
  })
  events: number;
}

export class ErasureResponse implements ErasureResult {
  @ApiProperty({ description: 'Distinct numbers in the request', example: 1 })
  numbers: number;

  @ApiProperty({ description: 'Of those, the numbers found in at least one task of the firm', example: 1 })
  found: number;

  @ApiProperty({ description: 'Contacts erased, over every task', example: 2 })
  contacts: number;

  @ApiProperty({ description: 'Conversations deleted, over every task', example: 2 })
  conversations: number;

  @ApiProperty({ description: 'Events redacted, over every task', example: 5 })
  events: number;

  @ApiProperty({
    description: "Numbers now on the firm's do-not-call list as erased (reason `erased`, only their keyed hash kept)",
    example: 1,
  })
  doNotCall: number;

  @ApiProperty({ type: [ErasedInTaskResponse], description: 'Per task, in task id order' })
  tasks: ErasedInTaskResponse[];
}
