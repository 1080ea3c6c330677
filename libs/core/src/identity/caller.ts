/**
 * Who is asking: a recruiter account of a firm, as the recruiting platform asserts in its headers
 * (`X-Firm-Id`, `X-Account-Id`, behind the service token). Every lib that acts for a recruiter takes this.
 */
export interface Caller {
  firmId: string;
  accountId: string;
}
