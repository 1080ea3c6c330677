import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNotEmpty,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export const MAX_CONTACTS = 10_000;

export class ContactDto {
  @IsString()
  @Length(1, 64)
  ref: string;

  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'phone must be an E.164 number: + then 7 to 15 digits' })
  phone: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;
}

export class AddCampaignDto {
  @IsString()
  @Length(1, 64)
  request_id: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  script_id: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CONTACTS)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts: ContactDto[];
}
