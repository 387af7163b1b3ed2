import { TallyError } from './errors.ts';

/** The one answer to a workspace that is not there, or that the caller may not know is there. */
export function workspaceNotFound(workspaceId: string): TallyError {
  return new TallyError('not_found', `Workspace ${workspaceId} does not exist.`);
}

/** The workspace's row as looked up, or `not_found` when the lookup found none. */
export function workspaceMustExist<Row>(row: Row | null | undefined, workspaceId: string): Row {
  if (row === null || row === undefined) throw workspaceNotFound(workspaceId);
  return row;
}
