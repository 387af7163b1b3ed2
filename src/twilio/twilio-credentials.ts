import { TallyError } from '../domain/errors.ts';
import type { TwilioCredentials } from './twilio-client.ts';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;
// Twilio's secrets are 32 characters; the bound only keeps absurd input out, without guessing formats.
const SECRET = /^[\x21-\x7e]{8,256}$/;

function invalid(field: string, message: string): TallyError {
  return new TallyError('invalid_request', message, { field });
}

function secretField(body: Record<string, unknown>, field: string, what: string): string {
  const value = body[field];
  // The message never repeats the value: it is a secret even when malformed.
  if (typeof value !== 'string' || !SECRET.test(value.trim())) {
    throw invalid(field, `${field} must be the ${what} as shown in the Twilio Console (8 to 256 visible characters).`);
  }
  return value.trim();
}

/**
 * `{accountSid, authToken}` or `{accountSid, apiKeySid, apiKeySecret}`. Shape errors are caught
 * here, before anything is sent to Twilio.
 */
export function validateCredentials(input: unknown): TwilioCredentials {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TallyError('invalid_request', 'Send {accountSid, authToken} or {accountSid, apiKeySid, apiKeySecret}.');
  }
  const body = input as Record<string, unknown>;
  const accountSid = typeof body.accountSid === 'string' ? body.accountSid.trim() : '';
  if (!ACCOUNT_SID.test(accountSid)) {
    throw invalid('accountSid', 'accountSid must be a Twilio Account SID: "AC" followed by 32 hexadecimal characters.');
  }
  const hasToken = body.authToken !== undefined;
  const hasKey = body.apiKeySid !== undefined || body.apiKeySecret !== undefined;
  if (hasToken === hasKey) {
    throw new TallyError(
      'invalid_request',
      'Send either authToken, or apiKeySid with apiKeySecret, with the accountSid (not both, not neither).',
    );
  }
  if (hasToken) return { kind: 'auth_token', accountSid, authToken: secretField(body, 'authToken', 'Auth Token') };
  const apiKeySid = typeof body.apiKeySid === 'string' ? body.apiKeySid.trim() : '';
  if (!API_KEY_SID.test(apiKeySid)) {
    throw invalid('apiKeySid', 'apiKeySid must be a Twilio API key SID: "SK" followed by 32 hexadecimal characters.');
  }
  return { kind: 'api_key', accountSid, apiKeySid, apiKeySecret: secretField(body, 'apiKeySecret', 'API key secret') };
}
