export type { TallyMiddlewareOptions } from './metered-response.ts';
export { tallyMiddleware } from './middleware.ts';
