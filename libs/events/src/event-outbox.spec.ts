import { packEntries } from './event-outbox';

describe('packEntries (a batch row stays within its column)', () => {
  it('keeps every entry, in order, in as few rows as fit under the limit', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => [`rec_${i}`, 1, i + 1]);
    const rows = packEntries(entries, 2000);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(Buffer.byteLength(row)).toBeLessThanOrEqual(2000);
    expect(rows.flatMap((r) => JSON.parse(r) as unknown[])).toEqual(entries);
  });

  it('gives an entry larger than the limit a row of its own', () => {
    const big = ['rec_big', 1, 2, { transcript: '话'.repeat(1000) }];
    const rows = packEntries([['rec_a', 1, 1], big, ['rec_b', 1, 3]], 500);
    expect(rows.map((r) => JSON.parse(r) as unknown)).toEqual([[['rec_a', 1, 1]], [big], [['rec_b', 1, 3]]]);
  });

  it('writes nothing for no entries', () => {
    expect(packEntries([], 100)).toEqual([]);
  });
});
