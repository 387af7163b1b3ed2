export { TallyClient, type TallyClientOptions } from './client.ts';
export { type SpendLimitDetails, SpendLimitReachedError, TallyApiError, TallyRequestError } from './errors.ts';
export { newId } from './ids.ts';
export { type MeterInput, meter, releaseQuietly } from './meter.ts';
export type { RetryOptions } from './retry.ts';
export type { CallOptions } from './transport.ts';
export type * from './types.ts';
export { verifyWebhook } from './webhooks.ts';
