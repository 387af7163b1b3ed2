import { TallyError } from '../../src/domain/errors.ts';

/** The TallyError a call was refused with; fails the test when it was not refused, or failed otherwise. */
export async function refusal(promise: Promise<unknown>): Promise<TallyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TallyError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
