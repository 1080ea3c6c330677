import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min,
  ValidateNested,
} from 'class-validator';

/** Contacts accepted by one request; larger lists are refused before any work. */
export const MAX_CONTACTS_PER_REQUEST = 10_000;

export class ContactDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  phone: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  name?: string;

  /** The platform's own id for the candidate, echoed in results. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  candidateRef?: string;
}

export class CreateTaskDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @IsString()
  @Matches(/^[\w.-]{1,64}$/, { message: 'scriptId must be 1–64 letters, digits, dots, dashes or underscores' })
  scriptId: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  batchSize?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxAttempts?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  retryGapMinutes?: number;

  @IsArray()
  @ArrayMaxSize(MAX_CONTACTS_PER_REQUEST)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts: ContactDto[] = [];
}

export class AddContactsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CONTACTS_PER_REQUEST)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts: ContactDto[];
}

export class PageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize: number = 50;
}

export class ListTasksQueryDto extends PageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsIn([1, 2, 3, 4, 5, 6])
  status?: number;
}

export class ListContactsQueryDto extends PageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsIn([1, 2, 3, 4])
  status?: number;

  @IsOptional()
  @Type(() => Number)
  @IsIn([0, 1, 2])
  callResult?: number;

  @IsOptional()
  @Type(() => Number)
  @IsIn([0, 1, 2, 3, 4])
  intention?: number;
}
