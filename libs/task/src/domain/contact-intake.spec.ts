import { screenContacts } from './contact-intake';

describe('screenContacts', () => {
  it('accepts distinct valid numbers in order, normalised', () => {
    const sut = screenContacts([
      { phone: '13800138000', name: ' 张三 ' },
      { phone: '13900139000', candidateRef: 'c2' },
    ]);
    expect(sut.accepted).toEqual([
      { index: 0, phone: '+8613800138000', name: '张三', candidateRef: null },
      { index: 1, phone: '+8613900139000', name: null, candidateRef: 'c2' },
    ]);
    expect(sut.rejected).toEqual([]);
  });

  it('reports duplicates on the normalised number and invalid numbers, masked, with their index', () => {
    const sut = screenContacts([
      { phone: '13800138000' },
      { phone: '+86 138 0013 8000', candidateRef: 'dup' },
      { phone: '12345' },
    ]);
    expect(sut.accepted).toHaveLength(1);
    expect(sut.rejected).toEqual([
      { index: 1, phone: '+86138****8000', candidateRef: 'dup', reason: 'duplicate_in_request' },
      { index: 2, phone: '*****', candidateRef: null, reason: 'invalid' },
    ]);
  });

  it('never returns a whole number in a rejection', () => {
    const sut = screenContacts([{ phone: '13800138000' }, { phone: '13800138000' }, { phone: '0105552998812' }]);
    for (const r of sut.rejected) expect(r.phone).toContain('*');
  });
});
