/**
 * The values of a numeric TypeScript enum, without the reverse mappings TypeScript adds (`Paused` → 4 and
 * 4 → `Paused`). For `enum:` in the OpenAPI document and `@IsIn` in the DTOs, so both list exactly the enum.
 * Not class-validator's `@IsEnum`: on a numeric enum it also accepts the member names ("Paused") as values.
 */
export function enumNumbers<E extends Record<string, string | number>>(enumType: E): Extract<E[keyof E], number>[] {
  return Object.values(enumType).filter((value): value is Extract<E[keyof E], number> => typeof value === 'number');
}

/** "1 waiting, 2 in a campaign, …": an enum's numbers with their words, in the numbers' order. */
export function describeNumbers(words: Readonly<Record<number, string>>): string {
  return Object.entries(words)
    .map(([value, word]) => `${value} ${word}`)
    .join(', ');
}
