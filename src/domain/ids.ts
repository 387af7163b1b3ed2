/** Caller-supplied ids (responses, conversations, grants) share one shape so they index and log cleanly. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}
