import { Intention, INTENTIONS, IntentionMix } from './intention-mix';
import { hash32, mulberry32, pickWeighted } from './prng';

export type FailReason = 'no_answer' | 'busy' | 'rejected' | 'unreachable';

/** What a connected call's record may carry beyond its result (optional per record in the contract). */
export interface Conversation {
  recordingUrl: string;
  transcript: string;
  summary: string;
}

export type CallOutcome =
  | { callResult: 1; failReason: null; intention: Intention; durationSec: number; conversation?: Conversation }
  | { callResult: 2; failReason: FailReason; intention: 0; durationSec: 0 };

/** 1 connected, 2 failed: every call_result a record can have. */
export const CALL_RESULTS = [1, 2] as const satisfies readonly CallOutcome['callResult'][];

const FAIL_REASONS: readonly FailReason[] = ['no_answer', 'busy', 'rejected', 'unreachable'];
const FAIL_REASON_WEIGHTS = [0.5, 0.2, 0.15, 0.15];
const MIN_TALK_SEC = 5;
const MAX_TALK_SEC = 180;

export interface OutcomeModel {
  seed: number;
  connectRate: number;
  intentionMix: IntentionMix;
  /** Fraction of connected calls whose record carries the conversation (recording URL, transcript, summary). */
  conversationRate: number;
  /** The least size of a transcript in UTF-8 bytes: the dialogue goes on, turn by turn, until it reaches it (0: as short as it is). */
  transcriptBytes?: number;
}

/** The simulated platform's recordings: a host that resolves nowhere (RFC 2606), as a real one is not reachable from tests. */
const RECORDINGS_BASE = 'https://recordings.robot-call.invalid/r/';

/** What the candidate says, by intention (0 none … 4 wrong number), and the platform's summary of it. */
const REPLIES: Readonly<Record<Intention, [reply: string, summary: string]>> = {
  0: ['……（挂断）', 'No intention recognised: the candidate hung up during the script.'],
  1: ['可以的，我对这个机会挺感兴趣，可以详细聊聊。', 'Interested: asked for details of the role.'],
  2: ['不考虑了，谢谢，以后也不用再联系我。', 'Not considering a move; asked not to be called again.'],
  3: ['我现在不方便，晚点再打给我吧。', 'Inconvenient now; asked to be called back later.'],
  4: ['你打错了，我不是你要找的人。', 'Wrong number: the person answering is not the candidate.'],
};

/** A turn of small talk, repeated to make a transcript as long as asked (a long call, for sizing and the bench). */
const SMALL_TALK =
  '\n机器人：请问您目前的工作地点和期望的薪资范围是多少？\n候选人：在上海，期望和现在差不多，看具体岗位。';

function conversationOf(
  requestId: string,
  ref: string,
  intention: Intention,
  seed: number,
  transcriptBytes = 0,
): Conversation {
  const key = hash32(JSON.stringify([seed, requestId, ref]))
    .toString(16)
    .padStart(8, '0');
  const [reply, summary] = REPLIES[intention];
  let transcript = `机器人：您好，我是猎头顾问的 AI 助理，想和您聊一个工作机会，现在方便吗？\n候选人：${reply}`;
  while (Buffer.byteLength(transcript, 'utf8') < transcriptBytes) transcript += SMALL_TALK;
  return { recordingUrl: `${RECORDINGS_BASE}${key}-${encodeURIComponent(ref)}.mp3`, transcript, summary };
}

/**
 * The outcome of dialling `ref` in the campaign created by `requestId`: a pure function of its inputs, so
 * two simulators with the same seed agree whatever the timing, dial order or parallelism.
 */
export function callOutcome(model: OutcomeModel, requestId: string, ref: string): CallOutcome {
  const random = mulberry32(hash32(JSON.stringify([model.seed, requestId, ref])));
  // Every roll is drawn up front, so each always means the same thing whichever branch is taken.
  // The conversation's roll comes last, so adding it left every earlier outcome of a seed as it was.
  const [connectRoll, intentionRoll, durationRoll, failRoll, conversationRoll] = [
    random(),
    random(),
    random(),
    random(),
    random(),
  ];
  if (connectRoll < model.connectRate) {
    const intention =
      INTENTIONS[
        pickWeighted(
          INTENTIONS.map((i) => model.intentionMix[i]),
          intentionRoll,
        )
      ];
    const durationSec = MIN_TALK_SEC + Math.floor(durationRoll * (MAX_TALK_SEC - MIN_TALK_SEC + 1));
    if (conversationRoll >= model.conversationRate) return { callResult: 1, failReason: null, intention, durationSec };
    return {
      callResult: 1,
      failReason: null,
      intention,
      durationSec,
      conversation: conversationOf(requestId, ref, intention, model.seed, model.transcriptBytes),
    };
  }
  const failReason = FAIL_REASONS[pickWeighted(FAIL_REASON_WEIGHTS, failRoll)];
  return { callResult: 2, failReason, intention: 0, durationSec: 0 };
}
