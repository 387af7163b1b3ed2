import type { Catalog } from '../billing/catalog.ts';
import type { Context } from '../ledger/context.ts';

/** What the dashboard's reads run on beyond the store and clock: the plans a forecast suggests from, and the server's key that signs page cursors. */
export interface ReportsContext extends Context {
  readonly catalog: Catalog;
  readonly secretKey: Uint8Array;
}
