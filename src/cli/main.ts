import { Command, InvalidArgumentError, Option } from 'commander';
import { buildApp } from '../app.ts';
import { Catalog } from '../billing/catalog.ts';
import { requestPack, requestPlan } from '../billing/plan-requests.ts';
import { renewDue } from '../billing/renewals.ts';
import { openWorkspace } from '../billing/subscriptions.ts';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { seedDemo } from '../demo/seed.ts';
import { creditsToMillicredits, millicreditsToCredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import type { Grant } from '../domain/grants.ts';
import { issueApiKey, revokeApiKey, SCOPES, type Scope } from '../keys/api-keys.ts';
import { grantCredits } from '../ledger/grant-credits.ts';
import { verifyLedger } from '../ledger/verify-ledger.ts';
import { listWorkspaces, type Workspace } from '../ledger/workspaces.ts';
import { serve } from '../main.ts';
import { openStore } from '../open-store.ts';
import { exportUsageCsv } from '../reports/usage.ts';
import type { Store } from '../store/store.ts';
import { createUser, generatePassword } from '../users/users.ts';

const program = new Command()
  .name('tally')
  .description(
    'Tally: usage metering and AI credits for voice and chat agents.\nSettings come from the environment (see README).',
  )
  .showHelpAfterError();

function config(): Config {
  return loadConfig();
}

/** Opens the configured store, builds the services, runs `fn`, and closes everything. */
async function withApp<T>(fn: (app: Awaited<ReturnType<typeof buildApp>>, store: Store) => Promise<T>): Promise<T> {
  const settings = config();
  const store = await openStore(settings);
  try {
    const app = await buildApp({
      store,
      config: settings,
      // The database's clock on PostgreSQL, as in `tally serve`: an operator's machine may be off.
      clock: store.now,
      logger: false,
      catalog: Catalog.load(settings.plansFile),
    });
    return await fn(app, store);
  } finally {
    await store.close();
  }
}

const credits = (value: string): number => {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new InvalidArgumentError('must be a number of credits, e.g. 100 or 1.5');
  return number;
};

const scopes = (value: string): Scope[] => {
  const list = value.split(',').map((s) => s.trim());
  const bad = list.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad) throw new InvalidArgumentError(`unknown scope "${bad}"; scopes are ${SCOPES.join(', ')}`);
  return list as Scope[];
};

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** Credits at the edge, as the API prints them: inside, amounts are millicredits. */
const workspaceOut = (workspace: Workspace) => ({
  ...workspace,
  overageLimit: millicreditsToCredits(workspace.overageLimit),
});
const grantOut = (grant: Grant) => ({
  ...grant,
  amount: millicreditsToCredits(grant.amount),
  remaining: millicreditsToCredits(grant.remaining),
});

program
  .command('serve')
  .description('Start the HTTP server (what `npm start` runs). Stops gracefully on SIGTERM.')
  .action(async () => serve(config()));

program
  .command('migrate')
  .description('Bring the database schema up to date (also done on every start).')
  .action(async () => {
    const store = await openStore(config());
    await store.close();
    console.log('Schema is up to date.');
  });

const workspace = program.command('workspace').description('Create and list workspaces.');
workspace
  .command('create')
  .description('Create a workspace on a plan.')
  .requiredOption('--name <name>', 'the business name')
  .option('--plan <plan>', 'a plan id from the catalog', 'free')
  .option('--overage <credits>', 'how far below zero the balance may go', credits)
  .action(async (options: { name: string; plan: string; overage?: number }) =>
    withApp(async (app) => {
      const created = await openWorkspace({
        ctx: app.ctx,
        input: {
          name: options.name,
          plan: options.plan,
          overageLimit: options.overage === undefined ? undefined : creditsToMillicredits(options.overage, 'overage'),
        },
      });
      print(workspaceOut(created));
    }),
  );
workspace
  .command('list')
  .description('List workspaces.')
  .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 100)
  .action(async (options: { limit: number }) =>
    withApp(async (app) =>
      print((await listWorkspaces({ ctx: app.ctx, input: { after: null, limit: options.limit } })).map(workspaceOut)),
    ),
  );

const billing = program
  .command('billing')
  .description('Plans, packs and renewals, applied by hand (the manual provider).');
billing
  .command('plan')
  .description("Change a workspace's plan: an upgrade at once with its top-up, a downgrade at the next period.")
  .argument('<workspaceId>')
  .argument('<plan>')
  .action(async (workspaceId: string, plan: string) =>
    withApp(async (app) => {
      const result = await requestPlan({
        ctx: app.ctx,
        input: { workspaceId, planId: plan, requester: { asOperator: true, returnUrl: '' } },
      });
      print(result.kind === 'applied' ? { ...result, grant: result.grant && grantOut(result.grant) } : result);
    }),
  );
billing
  .command('purchase')
  .description('Grant a pack bought outside Stripe (idempotent by --id).')
  .argument('<workspaceId>')
  .argument('<pack>')
  .option('--id <id>', 'the purchase id; repeat it to be safe on retries')
  .action(async (workspaceId: string, pack: string, options: { id?: string }) =>
    withApp(async (app) => {
      const result = await requestPack({
        ctx: app.ctx,
        input: {
          workspaceId,
          packId: pack,
          requester: { asOperator: true, returnUrl: '', ...(options.id ? { idempotencyKey: options.id } : {}) },
        },
      });
      print(result.kind === 'granted' ? { ...result, grant: grantOut(result.grant) } : result);
    }),
  );
billing
  .command('renew')
  .description('Grant every subscription period that has started (the server does this every minute).')
  .action(async () => withApp(async (app) => print(await renewDue({ ctx: app.ctx }))));

const key = program.command('key').description('Issue and revoke workspace API keys.');
key
  .command('create')
  .description('Issue a key for a workspace; it is printed once and stored only as a hash.')
  .argument('<workspaceId>')
  .option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, scopes, ['ingest', 'read'] as Scope[])
  .option('--name <name>', 'a label for the key', '')
  .action(async (workspaceId: string, options: { scopes: Scope[]; name: string }) =>
    withApp(async (app) =>
      print(await issueApiKey({ ctx: app.ctx, input: { workspaceId, scopes: options.scopes, name: options.name } })),
    ),
  );
key
  .command('revoke')
  .description('Revoke a key; it stops working at once.')
  .argument('<workspaceId>')
  .argument('<keyId>')
  .action(async (workspaceId: string, keyId: string) =>
    withApp(async (app) => {
      await revokeApiKey({ ctx: app.ctx, input: { workspaceId, keyId } });
      console.log(`Key ${keyId} revoked.`);
    }),
  );

program
  .command('grant')
  .description('Grant credits to a workspace (idempotent by --id).')
  .argument('<workspaceId>')
  .requiredOption('--amount <credits>', 'credits to grant, up to 3 decimals', credits)
  .requiredOption('--reason <text>', 'why, for the statement')
  .addOption(
    new Option('--source <source>', 'where the credits come from')
      .choices(['promotion', 'adjustment', 'purchase'])
      .default('adjustment'),
  )
  .option('--id <id>', 'idempotency key; repeat it to be safe on retries', `cli-${Date.now()}`)
  .option('--expires <time>', 'RFC 3339 expiry time')
  .action(
    async (
      workspaceId: string,
      options: {
        amount: number;
        reason: string;
        source: 'promotion' | 'adjustment' | 'purchase';
        id: string;
        expires?: string;
      },
    ) =>
      withApp(async (app) => {
        const expiresAt = options.expires ? new Date(options.expires) : null;
        if (expiresAt && Number.isNaN(expiresAt.getTime()))
          throw new InvalidArgumentError('--expires must be an RFC 3339 time');
        const { grant, replayed } = await grantCredits({
          ctx: app.ctx,
          input: {
            workspaceId,
            id: options.id,
            amount: creditsToMillicredits(options.amount),
            source: options.source,
            reason: options.reason,
            expiresAt,
          },
        });
        print({ ...grantOut(grant), replayed });
      }),
  );

program
  .command('verify')
  .description('Recompute every balance and rollup from the ledger lines and report any difference (exit 1 if any).')
  .action(async () =>
    withApp(async (app) => {
      const report = await verifyLedger({ ctx: app.ctx });
      print(report);
      if (report.differences.length > 0) process.exitCode = 1;
      else
        console.log(
          `The books balance: ${report.workspaces} workspaces, ${report.ledgerLines} ledger lines, ${report.responses} responses checked.`,
        );
    }),
  );

program
  .command('export')
  .description("Print a workspace's usage as CSV: one row per day and channel (default: the current period).")
  .argument('<workspaceId>')
  .option('--from <day>', 'first day included, YYYY-MM-DD')
  .option('--to <day>', 'last day included, YYYY-MM-DD')
  .action(async (workspaceId: string, options: { from?: string; to?: string }) =>
    withApp(async (app) => {
      process.stdout.write((await exportUsageCsv({ ctx: app.ctx, input: { workspaceId, ...options } })).csv);
    }),
  );

program
  .command('user')
  .description('Dashboard users.')
  .command('create')
  .description(
    'Create a dashboard user who signs in to one workspace; prints a generated password unless one is piped in.',
  )
  .argument('<workspaceId>')
  .requiredOption('--email <email>', 'the address the user signs in with')
  .option('--password-stdin', 'read the password from standard input instead of generating one')
  .action(async (workspaceId: string, options: { email: string; passwordStdin?: boolean }) =>
    withApp(async (app) => {
      const password = options.passwordStdin ? (await readStdin()).trim() : generatePassword();
      const user = await createUser({ ctx: app.ctx, input: { workspaceId, email: options.email, password } });
      print({ id: user.id, email: user.email, workspaceId, ...(options.passwordStdin ? {} : { password }) });
    }),
  );

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

program
  .command('seed-demo')
  .description('Create the demo workspace with three months of realistic usage (once).')
  .action(async () =>
    withApp(async (app, store) => {
      const demo = await seedDemo({ ctx: app.ctx, input: { asOf: store.now() } });
      console.log(`Demo workspace ${demo.workspaceId}: ${demo.summary}`);
    }),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof TallyError || error instanceof InvalidArgumentError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
