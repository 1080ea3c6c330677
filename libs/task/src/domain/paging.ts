/**
 * Why a `campaign_detail` page that announces more records (`has_more` true) does not let the reader go on, or
 * null when it advances. The contract's paging is a cursor chain: a page with more to come hands the cursor of the
 * next one. Without one, with the very cursor it was asked with, or with one already followed in this pass (a
 * cycle), following it would read the same records for ever.
 */
export function pagingStall(
  asked: string | null,
  next: string | null,
  followed: ReadonlySet<string | null>,
): string | null {
  if (!next) return 'answered has_more true without a next_cursor';
  if (next === asked) return 'answered has_more true with next_cursor unchanged';
  if (followed.has(next)) return 'answered has_more true with a next_cursor already followed in this pass';
  return null;
}
