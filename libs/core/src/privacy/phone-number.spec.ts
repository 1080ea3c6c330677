import { normalizePhone } from './phone-number';

describe('normalizePhone', () => {
  it.each([
    ['13800138000', '+8613800138000'],
    ['138 0013 8000', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    ['19912345678', '+8619912345678'],
  ])('normalises %s to E.164', (input, expected) => {
    expect(normalizePhone(input)).toEqual({ ok: true, e164: expected });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['12345', 'invalid'],
    ['1380013800', 'invalid'],
    ['138001380001', 'invalid'],
    ['10012345678', 'invalid'],
    ['abcdefghijk', 'invalid'],
  ])('refuses %p as %s', (input, reason) => {
    expect(normalizePhone(input)).toEqual({ ok: false, reason });
  });

  it('refuses a Beijing landline: the robot calls mobiles', () => {
    expect(normalizePhone('010 6552 9988')).toEqual({ ok: false, reason: 'not_mobile' });
  });

  it('accepts a foreign mobile given with its country code', () => {
    expect(normalizePhone('+44 7400 123456')).toEqual({ ok: true, e164: '+447400123456' });
  });
});
