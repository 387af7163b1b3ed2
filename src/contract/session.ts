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

export const DashboardRole = Type.Union([Type.Literal('viewer'), Type.Literal('admin')], {
  description:
    'viewer: sees everything, changes nothing (every write is 403). admin: may change what the dashboard can.',
});
export type DashboardRole = Static<typeof DashboardRole>;

/** Who is signed in, and the token the page must send as `X-CSRF-Token` on every write. */
export const SessionReply = Type.Object({
  user: Type.Union([Type.Object({ id: Type.String(), email: Type.String() }), Type.Null()], {
    description: 'Null when a host platform opened the session with a dashboard link.',
  }),
  workspace: Type.Object({ id: Type.String(), name: Type.String() }),
  role: DashboardRole,
  returnUrl: Type.Union([Type.String(), Type.Null()], {
    description: "The host platform's page to go back to, when it gave one.",
  }),
  csrfToken: Type.String(),
  expiresAt: Timestamp,
});
export type SessionReply = Static<typeof SessionReply>;

export const DashboardSessionBody = Type.Object(
  {
    role: Type.Optional(DashboardRole),
    returnUrl: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: 'An absolute http(s) URL: the "Back to" link.' }),
    ),
    ttlSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3600, description: 'How long the link may be opened; default 300.' }),
    ),
  },
  { additionalProperties: false },
);
export type DashboardSessionBody = Static<typeof DashboardSessionBody>;

export const DashboardSessionReply = Type.Object({
  url: Type.String({ description: 'Open once, in the browser to sign in; holds a one-time token.' }),
  expiresAt: Timestamp,
});
export type DashboardSessionReply = Static<typeof DashboardSessionReply>;
