import { type Static, Type } from '@sinclair/typebox';
import { Channel, Credits, Features, Id, Timestamp } from './common.ts';
import { RangeQuery } from './usage.ts';

const Cursor = Type.String({
  minLength: 1,
  maxLength: 400,
  description: 'The nextCursor of the previous page, unchanged; only valid with the same filters.',
});

export const ConversationsQuery = Type.Object(
  {
    from: RangeQuery.properties.from,
    to: RangeQuery.properties.to,
    agentId: Type.Optional(Id),
    channel: Type.Optional(Channel),
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type ConversationsQuery = Static<typeof ConversationsQuery>;

/** What a conversation is, in the list and on its own page. */
const ConversationHead = {
  id: Type.String(),
  channel: Channel,
  agentId: Type.String(),
  startedAt: Timestamp,
};

export const ConversationItem = Type.Object({
  ...ConversationHead,
  responses: Type.Integer({ description: 'Responses charged in it, refunded ones included.' }),
  creditsUsed: Credits,
});
export type ConversationItem = Static<typeof ConversationItem>;

export const ConversationsReply = Type.Object({
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  items: Type.Array(ConversationItem),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Null on the last page.' }),
});
export type ConversationsReply = Static<typeof ConversationsReply>;

export const ConversationQuery = Type.Object(
  {
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1000 })),
  },
  { additionalProperties: false },
);

export const ConversationResponse = Type.Object({
  id: Type.String(),
  occurredAt: Timestamp,
  features: Features,
  cost: Credits,
  refunded: Type.Boolean(),
});
export type ConversationResponse = Static<typeof ConversationResponse>;

export const ConversationReply = Type.Object({
  ...ConversationHead,
  responseCount: Type.Integer({ description: 'All its responses, refunded ones included.' }),
  creditsUsed: Credits,
  responses: Type.Array(ConversationResponse, { description: 'Oldest first, at most `limit` of them.' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Null when every response is shown.' }),
});
export type ConversationReply = Static<typeof ConversationReply>;
