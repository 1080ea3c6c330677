/** Why a webhook URL was refused (the `reason` of WEBHOOK_URL_NOT_ALLOWED). */
export type WebhookUrlRefusal = 'malformed' | 'scheme' | 'credentials' | 'host';

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: WebhookUrlRefusal; message: string };

const MAX_LENGTH = 2048;

/**
 * Whether the service may POST events to `raw`: an absolute http(s) URL, without credentials (they would sit in
 * the database and the logs in clear; the signature authenticates the service instead), to a host on the
 * allow-list (WEBHOOK_ALLOWED_HOSTS: exact host names, or `*.example.com` for its subdomains). The list keeps
 * operations from turning the worker into a client of arbitrary hosts (SSRF); redirects are never followed, so
 * an allowed host cannot send the worker on elsewhere. Answers the URL as WHATWG parsing normalises it.
 */
export function checkWebhookUrl(raw: string, allowedHosts: readonly string[]): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'malformed', message: 'url must be an absolute URL' };
  }
  if (url.href.length > MAX_LENGTH)
    return { ok: false, reason: 'malformed', message: `url must be at most ${MAX_LENGTH} characters` };
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'scheme', message: 'url must be http or https' };
  if (url.username || url.password)
    return { ok: false, reason: 'credentials', message: 'url must not carry credentials' };
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (!isAllowedHost(host, allowedHosts)) {
    return { ok: false, reason: 'host', message: `host ${host} is not in WEBHOOK_ALLOWED_HOSTS` };
  }
  return { ok: true, url: url.href };
}

/** `host` is listed, or is a subdomain of a listed `*.domain` (the domain itself needs its own entry). */
export function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry,
  );
}
