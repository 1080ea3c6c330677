import { callOutcome, OutcomeModel } from './call-outcome';

/** The conversation a connected call's record may carry: seeded, so as deterministic as the rest of the outcome. */
describe('callOutcome: the conversation', () => {
  const model: OutcomeModel = {
    seed: 7,
    connectRate: 0.7,
    intentionMix: { 0: 0.1, 1: 0.25, 2: 0.35, 3: 0.2, 4: 0.1 },
    conversationRate: 1,
  };
  const refs = Array.from({ length: 200 }, (_, i) => String(1000 + i));

  it('is carried by every connected call at rate 1, by none at rate 0, and never by a failed call; the rest of the outcome is the same', () => {
    const all = refs.map((ref) => callOutcome(model, 'req-1', ref));
    const none = refs.map((ref) => callOutcome({ ...model, conversationRate: 0 }, 'req-1', ref));

    for (const outcome of all)
      expect(outcome.callResult === 1 ? 'conversation' in outcome : !('conversation' in outcome)).toBe(true);
    expect(none.every((o) => !('conversation' in o))).toBe(true);
    expect(none).toEqual(all.map((o) => ('conversation' in o ? (({ conversation: _, ...rest }) => rest)(o) : o)));
  });

  it('is drawn per record at a rate between, deterministically, with a URL, a transcript and a summary', () => {
    const half = (seed: number) =>
      refs.map((ref) => callOutcome({ ...model, seed, conversationRate: 0.5 }, 'req-1', ref));
    const connected = half(7).filter((o) => o.callResult === 1);
    const withConversation = connected.filter((o) => 'conversation' in o && o.conversation);

    expect(half(7)).toEqual(half(7));
    expect(withConversation.length).toBeGreaterThan(connected.length * 0.3);
    expect(withConversation.length).toBeLessThan(connected.length * 0.7);
    const [first] = withConversation as {
      conversation: { recordingUrl: string; transcript: string; summary: string };
    }[];
    expect(first.conversation.recordingUrl).toMatch(
      /^https:\/\/recordings\.robot-call\.invalid\/r\/[0-9a-f]{8}-\d+\.mp3$/,
    );
    expect(first.conversation.transcript).toContain('候选人：');
    expect(first.conversation.summary.length).toBeGreaterThan(0);
  });

  it('makes a transcript at least transcriptBytes long in UTF-8, turn by turn, the rest unchanged', () => {
    const short = refs.map((ref) => callOutcome(model, 'req-1', ref));
    const long = refs.map((ref) => callOutcome({ ...model, transcriptBytes: 1024 }, 'req-1', ref));
    const said = (o: ReturnType<typeof callOutcome>) => ('conversation' in o ? o.conversation : undefined);
    for (const [i, o] of long.entries()) {
      const conversation = said(o);
      if (!conversation) continue;
      const bytes = Buffer.byteLength(conversation.transcript, 'utf8');
      expect(bytes).toBeGreaterThanOrEqual(1024);
      expect(bytes).toBeLessThan(1024 + 200);
      expect(conversation.transcript.startsWith(said(short[i])!.transcript)).toBe(true);
      expect({ ...o, conversation: { ...conversation, transcript: '' } }).toEqual({
        ...short[i],
        conversation: { ...said(short[i])!, transcript: '' },
      });
    }
  });
});
