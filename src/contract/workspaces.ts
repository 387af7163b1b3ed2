import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

export const WorkspaceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    plan: Type.String({ minLength: 1, maxLength: 64 }),
    overageLimit: Type.Optional(Credits),
  },
  { additionalProperties: false },
);

export const WorkspaceReply = Type.Object({
  id: Type.String(),
  name: Type.String(),
  plan: Type.String(),
  overageLimit: Credits,
  createdAt: Timestamp,
});
export type WorkspaceReply = Static<typeof WorkspaceReply>;

export const ScopeName = Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('admin')]);

export const KeyBody = Type.Object(
  { scopes: Type.Array(ScopeName, { minItems: 1, maxItems: 3 }), name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export const KeyReply = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'Shown only in this reply; Tally stores a hash.' }),
  prefix: Type.String(),
  scopes: Type.Array(ScopeName),
  name: Type.String(),
  createdAt: Timestamp,
});
export const KeySummaryReply = Type.Object({
  id: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(ScopeName),
  name: Type.String(),
  createdAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
