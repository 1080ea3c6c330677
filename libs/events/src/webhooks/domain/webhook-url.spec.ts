import { checkWebhookUrl, isAllowedHost } from './webhook-url';

describe('checkWebhookUrl', () => {
  const allowed = ['hooks.example.com', '*.platform.internal', '127.0.0.1', '[::1]'];

  it.each([
    ['https://hooks.example.com/aiv', 'https://hooks.example.com/aiv'],
    ['http://HOOKS.example.com:8443/a?b=1', 'http://hooks.example.com:8443/a?b=1'],
    ['https://a.platform.internal/x', 'https://a.platform.internal/x'],
    ['https://b.a.platform.internal/x', 'https://b.a.platform.internal/x'],
    ['http://127.0.0.1:9000/hook', 'http://127.0.0.1:9000/hook'],
    ['http://[::1]:9000/hook', 'http://[::1]:9000/hook'],
  ])('accepts %s', (raw, url) => {
    expect(checkWebhookUrl(raw, allowed)).toEqual({ ok: true, url });
  });

  it.each([
    ['not a url', 'malformed'],
    ['/relative/path', 'malformed'],
    [`https://hooks.example.com/${'a'.repeat(2048)}`, 'malformed'],
    ['ftp://hooks.example.com/x', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['https://user:pass@hooks.example.com/x', 'credentials'],
    ['https://user@hooks.example.com/x', 'credentials'],
    ['https://evil.example.com/x', 'host'],
    ['https://platform.internal/x', 'host'],
    ['https://hooks.example.com.evil.net/x', 'host'],
    ['https://xplatform.internal/x', 'host'],
    ['http://169.254.169.254/latest', 'host'],
  ])('refuses %s (%s)', (raw, reason) => {
    expect(checkWebhookUrl(raw, allowed)).toMatchObject({ ok: false, reason });
  });

  it('refuses every host when the list is empty', () => {
    expect(isAllowedHost('localhost', [])).toBe(false);
  });
});
