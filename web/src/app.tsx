import { QueryClient, QueryClientProvider, useIsFetching, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { whenSignedOut } from './api/client.ts';
import { useSession, useSignOut } from './api/queries.ts';
import type { SessionReply } from './api/types.ts';
import { CardError } from './components/card.tsx';
import { Logo } from './components/logo.tsx';
import { formatTime } from './format.ts';
import { ConversationsPage } from './pages/conversations.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { UpgradePage } from './pages/upgrade.tsx';
import { Link, usePath } from './router.tsx';

function LastUpdated() {
  const fetching = useIsFetching();
  const [at, setAt] = useState(() => new Date());
  useEffect(() => {
    if (fetching === 0) setAt(new Date());
  }, [fetching]);
  return (
    <span className="updated" data-testid="last-updated">
      <span className={`live-dot ${fetching > 0 ? 'is-fetching' : ''}`} aria-hidden="true" />
      Updated {formatTime(at)}
    </span>
  );
}

function Shell({ session }: { session: SessionReply }) {
  const path = usePath();
  const signOut = useSignOut();
  const page = path === '/upgrade' ? 'upgrade' : path === '/conversations' ? 'conversations' : 'usage';
  useEffect(() => {
    const title = { upgrade: 'Upgrade', conversations: 'Conversations', usage: 'Usage' }[page];
    document.title = `${title} · ${session.workspace.name} · Tally`;
  }, [page, session.workspace.name]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href="/" className="brand" aria-label="Tally usage dashboard">
            <Logo />
          </Link>
          <nav aria-label="Main">
            <Link href="/" aria-current={page === 'usage' ? 'page' : undefined}>
              Usage
            </Link>
            <Link href="/conversations" aria-current={page === 'conversations' ? 'page' : undefined}>
              Conversations
            </Link>
            <Link href="/upgrade" aria-current={page === 'upgrade' ? 'page' : undefined}>
              Plans
            </Link>
          </nav>
          <div className="topbar-end">
            <LastUpdated />
            {session.returnUrl ? (
              // _top: inside the host platform's frame, going back leaves the frame too.
              <a
                className="button button-secondary button-small"
                href={session.returnUrl}
                target="_top"
                data-testid="return-link"
              >
                Back to {new URL(session.returnUrl).host}
              </a>
            ) : null}
            <span className="workspace" title={session.user?.email} data-testid="workspace-name">
              {session.workspace.name}
            </span>
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => signOut.mutate()}
              disabled={signOut.isPending}
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {page === 'upgrade' ? <UpgradePage /> : page === 'conversations' ? <ConversationsPage /> : <DashboardPage />}
      </main>
    </>
  );
}

function Root() {
  const session = useSession();
  const client = useQueryClient();
  useEffect(() => {
    whenSignedOut(() => {
      client.setQueryData(['session'], null);
    });
  }, [client]);
  if (session.isPending) {
    return (
      <div className="splash" role="status">
        <Logo />
        <span className="visually-hidden">Loading…</span>
      </div>
    );
  }
  if (session.isError) {
    return (
      <main className="sign-in">
        <div className="sign-in-card">
          <CardError error={session.error} onRetry={() => session.refetch()} what="Tally" />
        </div>
      </main>
    );
  }
  return session.data ? <Shell session={session.data} /> : <SignInPage />;
}

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) =>
        failures < 2 && !(error instanceof Error && 'status' in error && error.status === 401),
      refetchOnWindowFocus: true,
    },
  },
});

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Root />
    </QueryClientProvider>
  );
}
