import { pagingStall } from './paging';

describe('pagingStall: a page announcing more records must advance', () => {
  it('advances with a new cursor', () => {
    expect(pagingStall(null, '2', new Set([null]))).toBeNull();
    expect(pagingStall('2', '4', new Set([null, '2']))).toBeNull();
  });

  it('stalls without a next cursor, on the cursor it was asked with, or on one already followed (a cycle)', () => {
    expect(pagingStall(null, null, new Set([null]))).toMatch(/without a next_cursor/);
    expect(pagingStall('2', '', new Set(['2']))).toMatch(/without a next_cursor/);
    expect(pagingStall('2', '2', new Set(['2']))).toMatch(/next_cursor unchanged/);
    expect(pagingStall('4', '2', new Set([null, '2', '4']))).toMatch(/already followed/);
  });
});
