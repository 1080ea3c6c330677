import { maskPhone, maskPhonesInText } from './mask-phone';

describe('maskPhone', () => {
  it.each([
    ['+8613812341234', '+86138****1234'],
    ['13812341234', '138****1234'],
    ['+447400123456', '+447*****3456'],
    ['12345', '*****'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });

  it('masks every number in free text and leaves the rest', () => {
    const sut = maskPhonesInText('dial +8613812341234 failed; retry 13912345678 later (task 42)');
    expect(sut).toBe('dial +86138****1234 failed; retry 139****5678 later (task 42)');
  });
});
