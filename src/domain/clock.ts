/** The time now, as every service reads it: the store's clock in production, a test's own in tests. */
export type Clock = () => Date;
