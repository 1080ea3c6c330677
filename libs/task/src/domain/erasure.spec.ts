import { erasedEventData, withoutConversation } from './erasure';

const called = {
  taskId: '42',
  contactId: '901',
  candidateRef: 'cand-1',
  name: '张三',
  phone: '+86139****0001',
  attempt: 1,
  recordId: 'rec_1',
  callResult: 1,
  intention: 1,
  failReason: null,
  durationSec: 48,
  calledAt: '2026-11-28T02:03:04.000Z',
  recordingUrl: 'https://r.example/1.mp3',
  transcript: '候选人：可以的。',
  summary: 'Interested.',
};

describe('erasedEventData', () => {
  it('keeps the shape and the results, the personal fields null, erased: true', () => {
    expect(erasedEventData(called)).toEqual({
      ...called,
      candidateRef: null,
      name: null,
      phone: null,
      recordingUrl: null,
      transcript: null,
      summary: null,
      erased: true,
    });
  });

  it("adds no field a type's payload does not carry (contact.withdrawn has no name or conversation)", () => {
    const withdrawn = {
      taskId: '42',
      contactId: '901',
      candidateRef: 'cand-1',
      phone: '+86139****0001',
      afterCampaign: false,
      attempts: 0,
      callResult: 0,
      intention: 0,
    };
    expect(erasedEventData(withdrawn)).toEqual({ ...withdrawn, candidateRef: null, phone: null, erased: true });
  });

  it('has nothing to write for a payload erased already', () => {
    expect(erasedEventData(erasedEventData(called)!)).toBeNull();
  });
});

describe('withoutConversation', () => {
  it('nulls the conversation only, with no erased flag', () => {
    expect(withoutConversation(called)).toEqual({ ...called, recordingUrl: null, transcript: null, summary: null });
  });

  it('has nothing to write for a payload without a conversation', () => {
    expect(withoutConversation({ ...called, recordingUrl: null, transcript: null, summary: null })).toBeNull();
  });
});
