import { expect, it } from 'vitest';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('the migrated schema', (ctx) => {
  it('keeps no idempotency_records table, which nothing wrote or read', async () => {
    const tables = await ctx.store.db.introspection.getTables();
    const own = tables.filter((table) => ctx.location.kind === 'sqlite' || table.schema === ctx.location.schema);
    expect(own.map((table) => table.name)).toContain('responses');
    expect(own.map((table) => table.name)).not.toContain('idempotency_records');
  });
});
