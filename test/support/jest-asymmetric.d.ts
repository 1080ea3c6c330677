/**
 * jest's asymmetric matchers (`expect.any(Number)`, `expect.stringContaining('x')`, …) as what they are to a
 * suite: a value to put inside an expected shape, never read. @types/jest types them `any`, which the type-checked
 * lint rules then report wherever one sits in an object literal; these overloads (merged ahead of @types/jest's
 * own) return `unknown` instead. Nothing changes at run time.
 */
declare global {
  namespace jest {
    interface Expect {
      anything(): unknown;
      any(classType: unknown): unknown;
      arrayContaining<E = unknown>(arr: readonly E[]): unknown;
      objectContaining<E = object>(obj: E): unknown;
      stringMatching(str: string | RegExp): unknown;
      stringContaining(str: string): unknown;
      closeTo(num: number, numDigits?: number): unknown;
    }
    interface InverseAsymmetricMatchers {
      arrayContaining<E = unknown>(arr: readonly E[]): unknown;
      objectContaining<E = object>(obj: E): unknown;
      stringMatching(str: string | RegExp): unknown;
      stringContaining(str: string): unknown;
      closeTo(num: number, numDigits?: number): unknown;
    }
  }
}

export {};
