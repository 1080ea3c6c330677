import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';
import { MAX_ERASURE_PHONES } from '@app/task';

export class ErasureDto {
  @ApiProperty({
    description:
      'The numbers whose personal data is erased (any usual format; no country code means China), normalised as ' +
      'contacts are; one not a mobile number refuses the whole request, nothing erased. Never put numbers in URLs.',
    example: ['13800138000'],
    minItems: 1,
    maxItems: MAX_ERASURE_PHONES,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ERASURE_PHONES)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  phones: string[];
}
