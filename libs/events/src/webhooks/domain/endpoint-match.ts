/** What an endpoint receives: its firm's events (all firms' when null), of its types (all when null). */
export interface EndpointScope {
  firmId: string | null;
  eventTypes: ReadonlySet<string> | null;
}

/** Whether an endpoint receives an event. An all-firms endpoint also receives events of no firm (`webhook.disabled` of an all-firms endpoint). */
export function endpointReceives(endpoint: EndpointScope, event: { type: string; firmId: string | null }): boolean {
  if (endpoint.firmId !== null && endpoint.firmId !== event.firmId) return false;
  return endpoint.eventTypes === null || endpoint.eventTypes.has(event.type);
}
