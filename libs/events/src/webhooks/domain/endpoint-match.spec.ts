import { endpointReceives } from './endpoint-match';

describe('endpointReceives', () => {
  const event = { type: 'contact.called', firmId: '7' };

  it('an all-firms endpoint of every type receives everything, events of no firm too', () => {
    const all = { firmId: null, eventTypes: null };
    expect(endpointReceives(all, event)).toBe(true);
    expect(endpointReceives(all, { type: 'webhook.disabled', firmId: null })).toBe(true);
  });

  it("a firm's endpoint receives its firm's events only", () => {
    expect(endpointReceives({ firmId: '7', eventTypes: null }, event)).toBe(true);
    expect(endpointReceives({ firmId: '8', eventTypes: null }, event)).toBe(false);
    expect(endpointReceives({ firmId: '7', eventTypes: null }, { type: 'webhook.disabled', firmId: null })).toBe(false);
  });

  it('an endpoint of some types receives those only', () => {
    const leads = { firmId: null, eventTypes: new Set(['candidate.interested']) };
    expect(endpointReceives(leads, event)).toBe(false);
    expect(endpointReceives(leads, { type: 'candidate.interested', firmId: '7' })).toBe(true);
  });
});
