import { CallResult, ContactStatus, ExportedContact, Intention } from '@app/task';
import { contactsCsv } from './contacts-csv';

const contact = (fields: Partial<ExportedContact>): ExportedContact => ({
  candidateRef: 'q',
  name: 'm',
  phone: '+8613800138000',
  status: ContactStatus.Done,
  skipReason: null,
  attempts: 1,
  callResult: CallResult.Connected,
  failReason: null,
  intention: Intention.None,
  durationSec: 2,
  calledAt: null,
  lastSummary: null,
  ...fields,
});

async function text(pages: ExportedContact[][]): Promise<{ chunks: string[]; csv: string }> {
  const chunks: string[] = [];
  for await (const chunk of contactsCsv(
    (async function* () {
      // Each page arrives as a database read hands it over: asynchronously.
      for (const page of pages) yield await Promise.resolve(page);
    })(),
  ))
    chunks.push(chunk);
  return { chunks, csv: chunks.join('') };
}

describe('contactsCsv', () => {
  it('writes the bytes recruiters have had so far: BOM, header, labels, quoting, formula guard, last summary', async () => {
    const pages = [
      [
        contact({
          candidateRef: 'cand-1',
          name: '张三',
          intention: Intention.Interested,
          durationSec: 37,
          calledAt: new Date('2026-11-28T02:03:04.000Z'),
          lastSummary: '候选人感兴趣，希望周末面试',
        }),
        contact({
          candidateRef: '=cmd|calc',
          name: 'a,"b"\nc',
          phone: '+8613800138001',
          status: ContactStatus.Skipped,
          skipReason: 'do_not_call',
          attempts: 0,
          callResult: CallResult.None,
          durationSec: 0,
        }),
        contact({
          candidateRef: null,
          name: null,
          phone: '+8613800138002',
          status: ContactStatus.InCampaign,
          attempts: 2,
          callResult: CallResult.Failed,
          failReason: 'no_answer',
          durationSec: 0,
          calledAt: new Date('2026-11-29T10:00:00.000Z'),
        }),
      ],
      [
        contact({
          candidateRef: '-1',
          name: '@x',
          phone: '+8613800138003',
          status: ContactStatus.Waiting,
          skipReason: '+x',
          attempts: 0,
          callResult: CallResult.None,
          failReason: '\tTab',
          intention: Intention.NotConsidering,
          durationSec: 5,
          // What the platform summed up is the candidate's words, as untrusted as a name: guarded and quoted.
          lastSummary: '=HYPERLINK("http://x")\n第二行',
        }),
        // Values no label names (a database changed by hand) are written as their numbers.
        contact({
          candidateRef: 'r',
          name: 'n',
          phone: '+8613800138004',
          status: 9 as ContactStatus,
          callResult: 7 as CallResult,
          failReason: '\rx',
          intention: 8 as Intention,
          durationSec: 1,
        }),
        contact({ phone: '+8613800138005', intention: Intention.Inconvenient }),
        contact({ phone: '+8613800138006', intention: Intention.WrongNumber }),
      ],
    ];

    const { chunks, csv } = await text(pages);

    // Produced by the export before it moved from the task lib to the API, byte for byte, with the last call's
    // summary as the last column since (issue 22).
    expect(csv).toBe(
      '\ufeffcandidate_ref,name,phone,status,skip_reason,attempts,call_result,fail_reason,intention,duration_sec,called_at,last_summary\r\n' +
        'cand-1,张三,+8613800138000,已完成 done,,1,成功 connected,,有意向 interested,37,2026-11-28T02:03:04.000Z,候选人感兴趣，希望周末面试\r\n' +
        '\'=cmd|calc,"a,""b""\nc",+8613800138001,已跳过 skipped,do_not_call,0,,,,0,,\r\n' +
        ',,+8613800138002,外呼中 in campaign,,2,失败 failed,no_answer,,0,2026-11-29T10:00:00.000Z,\r\n' +
        '\'-1,\'@x,+8613800138003,待外呼 waiting,\'+x,0,,\'\tTab,不考虑 not considering,5,,"\'=HYPERLINK(""http://x"")\n第二行"\r\n' +
        'r,n,+8613800138004,9,,1,7,"\'\rx",8,1,,\r\n' +
        'q,m,+8613800138005,已完成 done,,1,成功 connected,,不方便 inconvenient,2,,\r\n' +
        'q,m,+8613800138006,已完成 done,,1,成功 connected,,号码错误 wrong number,2,,\r\n',
    );
    // One chunk for the header, one per page: memory follows the page size, not the task's.
    expect(chunks).toHaveLength(3);
  });

  it('writes the BOM and header even when there is no contact', async () => {
    const { csv } = await text([]);
    expect(csv).toBe(
      '\ufeffcandidate_ref,name,phone,status,skip_reason,attempts,call_result,fail_reason,intention,duration_sec,called_at,last_summary\r\n',
    );
  });
});
