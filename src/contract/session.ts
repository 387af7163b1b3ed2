import { type Static, Type } from '@sinclair/typebox';
import { Timestamp } from './common.ts';

export const SessionBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type SessionBody = Static<typeof SessionBody>;

/** Who is signed in, and the token the page must send as `X-CSRF-Token` on every write. */
export const SessionReply = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String() }),
  workspace: Type.Object({ id: Type.String(), name: Type.String() }),
  csrfToken: Type.String(),
  expiresAt: Timestamp,
});
export type SessionReply = Static<typeof SessionReply>;
