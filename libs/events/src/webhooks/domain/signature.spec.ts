import { createHmac, randomBytes } from 'crypto';
import { Webhook } from 'standardwebhooks';
import { deliveryHeaders, newWebhookSecret, signingKeyOf, standardSecretOf } from './signature';

/** Verifies with the `standardwebhooks` library, as a receiver on any stack would; true when it accepts. */
function standardVerifies(secret: string, headers: Record<string, string>, body: string): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

/** The Stripe-style check docs/webhooks.md shows: any `v1=` entry is the HMAC of `<t>.<body>` keyed with the secret string. */
function aivVerifies(secret: string, header: string, body: string): boolean {
  const entries = header.split(',').map((kv) => kv.split('=', 2));
  const t = entries.find(([k]) => k === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return entries.some(([k, v]) => k === 'v1' && v === expected);
}

describe('webhook signatures', () => {
  const body = '{"id":"evt_7","type":"task.started","data":{"name":"Ünïcode ✓"}}';
  const now = () => Math.floor(Date.now() / 1000);

  it('makes new secrets in the specification form: whsec_ and 32 random bytes, base64', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(signingKeyOf(secret)).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
    // The library takes it as it is.
    expect(() => new Webhook(secret)).not.toThrow();
  });

  it('carries webhook-id, webhook-timestamp and webhook-signature exactly as the library signs them', () => {
    const secret = newWebhookSecret();
    const t = now();
    const headers = deliveryHeaders([secret], 'evt_7', t, body);
    expect(headers['webhook-id']).toBe('evt_7');
    expect(headers['webhook-timestamp']).toBe(String(t));
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('evt_7', new Date(t * 1000), body));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(standardVerifies(secret, headers, body)).toBe(true);
    expect(standardVerifies(secret, headers, body.replace('7', '8'))).toBe(false);
    expect(standardVerifies(newWebhookSecret(), headers, body)).toBe(false);
  });

  it('keeps X-AIV-Signature and X-AIV-Event-Id as they were: t=<unix>,v1=<hex HMAC keyed with the whole secret string>', () => {
    const secret = newWebhookSecret();
    const headers = deliveryHeaders([secret], 'evt_7', 1764578401, body);
    const mac = createHmac('sha256', secret).update(`1764578401.${body}`, 'utf8').digest('hex');
    expect(headers['X-AIV-Signature']).toBe(`t=1764578401,v1=${mac}`);
    expect(headers['X-AIV-Event-Id']).toBe('evt_7');
  });

  it('signs with the same key bytes an existing secret in the old base64url form, which its specification form verifies', () => {
    const key = Buffer.from('fb7fbeffe5f9f7ff3f0fa8c3e2e18df0fbfe7fbeffe5f9f7ff3f0fa8c3e2e18d', 'hex'); // base64url has - and _ here
    const legacy = `whsec_${key.toString('base64url')}`;
    expect(legacy).toMatch(/[-_]/);
    expect(signingKeyOf(legacy)).toEqual(key);
    // The library refuses the old form (base64url is not base64)…
    expect(() => new Webhook(legacy)).toThrow();
    // …and verifies with the same secret written as the specification wants it (docs/webhooks.md shows how).
    const spec = standardSecretOf(legacy);
    expect(spec).toBe(`whsec_${key.toString('base64')}`);
    expect(standardSecretOf(spec)).toBe(spec);
    const headers = deliveryHeaders([legacy], 'evt_7', now(), body);
    expect(standardVerifies(spec, headers, body)).toBe(true);
    // X-AIV-Signature is keyed with the secret string as it was shown.
    expect(aivVerifies(legacy, headers['X-AIV-Signature'], body)).toBe(true);
  });

  it('during a rotation carries both signatures in both headers, the new secret first, each verifying on its own', () => {
    const [next, previous] = [newWebhookSecret(), `whsec_${randomBytes(32).toString('base64url')}`];
    const headers = deliveryHeaders([next, previous], 'evt_7', now(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(headers['X-AIV-Signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    for (const secret of [next, previous]) {
      expect(standardVerifies(standardSecretOf(secret), headers, body)).toBe(true);
      expect(aivVerifies(secret, headers['X-AIV-Signature'], body)).toBe(true);
    }
    const [first] = headers['webhook-signature'].split(' ');
    expect(first).toBe(new Webhook(next).sign('evt_7', new Date(Number(headers['webhook-timestamp']) * 1000), body));
  });

  it('refuses a stored secret that is not whsec_ and base64 or base64url (a corrupt row must not sign with a wrong key)', () => {
    for (const bad of ['', 'whsec_', 'whsec_not base64!', 'secret-without-prefix'])
      expect(() => signingKeyOf(bad)).toThrow();
  });
});
