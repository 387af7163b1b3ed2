import { type TSchema, Type } from '@sinclair/typebox';

/** Credits on the wire: a JSON number with at most 3 decimals (millicredits inside). */
export const Credits = Type.Number({ description: 'Credits, at most 3 decimals (1, 1.5, 0.125).' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 time, UTC.' });
export const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
  description: 'Your id: 1-128 letters, digits, or . _ : - characters.',
});
export const Channel = Type.Union([Type.Literal('call'), Type.Literal('chat')]);
export const Features = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: 16,
  description: 'Premium features the response used, priced by the rate card (e.g. "voice:elevenlabs").',
});

/** Every error's body; the API description has it once, as components/schemas/ErrorReply. */
export const ErrorReply = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      requestId: Type.String({ description: 'The X-Request-Id of the request: quote it when asking for help.' }),
    }),
  },
  { $id: 'ErrorReply' },
);

export const strict = <T extends TSchema>(schema: T): T => ({ ...schema, additionalProperties: false });
