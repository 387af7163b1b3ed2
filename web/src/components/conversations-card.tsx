import { useEffect, useId, useState } from 'react';
import { type ConversationFilter, type ConversationItem, useConversations } from '../api/conversations.ts';
import { useToday } from '../api/queries.ts';
import { formatCount, formatCredits, formatDateTime } from '../format.ts';
import { fromDateInput, lastDays, toDateInput } from '../periods.ts';
import { Card, CardError, CardLoading } from './card.tsx';
import { ConversationDetail } from './conversation-detail.tsx';
import { Segmented } from './segmented.tsx';
import './conversations.css';

const CHANNELS = [
  { value: '', label: 'All' },
  { value: 'call', label: 'Calls' },
  { value: 'chat', label: 'Chats' },
] as const;

/** The filter in the page's address, so a day of the usage history can link to its conversations. */
function filterFromAddress(search: string, now: Date): ConversationFilter {
  const params = new URLSearchParams(search);
  const month = lastDays(30, now);
  const day = (name: string, fallback: string) => {
    const value = params.get(name) ?? '';
    return fromDateInput(value) ? value : fallback;
  };
  const channel = params.get('channel');
  return {
    from: day('from', toDateInput(month.from)),
    to: day('to', toDateInput(new Date(month.to.getTime() - 86_400_000))),
    agentId: params.get('agentId') ?? '',
    channel: channel === 'call' || channel === 'chat' ? channel : '',
  };
}

function ConversationRow({ item }: { item: ConversationItem }) {
  const [open, setOpen] = useState(false);
  const regionId = useId();
  return (
    <li className="conversation" data-testid="conversation">
      <button
        type="button"
        className="conversation-toggle"
        aria-expanded={open}
        aria-controls={open ? regionId : undefined}
        onClick={() => setOpen(!open)}
      >
        <span className="conversation-id">{item.id}</span>
        <span className="conversation-meta">
          <span className="badge badge-muted">{item.channel === 'call' ? 'Call' : 'Chat'}</span>
          <span>Agent {item.agentId}</span>
          <time dateTime={item.startedAt}>{formatDateTime(item.startedAt)}</time>
        </span>
        <span className="conversation-figures">
          {formatCount(item.responses)} {item.responses === 1 ? 'reply' : 'replies'} ·{' '}
          <strong>{formatCredits(item.creditsUsed)}</strong> credits
        </span>
      </button>
      {open ? <ConversationDetail id={item.id} regionId={regionId} /> : null}
    </li>
  );
}

export function ConversationsCard() {
  const today = useToday();
  const [filter, setFilter] = useState(() => filterFromAddress(window.location.search, today));
  const [agentDraft, setAgentDraft] = useState(filter.agentId);
  const conversations = useConversations(filter);
  const agentFieldId = useId();
  const fromId = useId();
  const toId = useId();

  useEffect(() => {
    const params = new URLSearchParams({ from: filter.from, to: filter.to });
    if (filter.agentId) params.set('agentId', filter.agentId);
    if (filter.channel) params.set('channel', filter.channel);
    window.history.replaceState(null, '', `/conversations?${params.toString()}`);
  }, [filter]);

  const items = conversations.data?.pages.flatMap((page) => page.items) ?? [];
  const setDay = (field: 'from' | 'to') => (value: string) => {
    if (fromDateInput(value)) setFilter({ ...filter, [field]: value });
  };
  return (
    <Card title="Conversations" className="card-wide" testId="conversations-card">
      <form
        className="conversation-filters"
        aria-label="Filter conversations"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter({ ...filter, agentId: agentDraft.trim() });
        }}
      >
        <div className="field">
          <label htmlFor={fromId}>From</label>
          <input
            id={fromId}
            type="date"
            value={filter.from}
            max={filter.to}
            onChange={(e) => setDay('from')(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={toId}>To</label>
          <input
            id={toId}
            type="date"
            value={filter.to}
            min={filter.from}
            onChange={(e) => setDay('to')(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={agentFieldId}>Agent</label>
          <input
            id={agentFieldId}
            value={agentDraft}
            placeholder="Any agent"
            onChange={(e) => setAgentDraft(e.target.value)}
            onBlur={() => setFilter({ ...filter, agentId: agentDraft.trim() })}
          />
        </div>
        <Segmented
          legend="Channel"
          name="channel"
          options={CHANNELS}
          value={filter.channel}
          onChange={(channel) => setFilter({ ...filter, channel })}
        />
      </form>
      {conversations.isPending ? (
        <CardLoading label="conversations" lines={5} />
      ) : conversations.isError && !conversations.data ? (
        <CardError error={conversations.error} onRetry={() => conversations.refetch()} what="conversations" />
      ) : (
        <div className={conversations.isPlaceholderData ? 'is-updating' : ''} aria-busy={conversations.isFetching}>
          <p className="visually-hidden" role="status">
            {items.length === 0 ? 'No conversations match.' : `${formatCount(items.length)} conversations shown.`}
          </p>
          {items.length === 0 ? (
            <p className="muted">
              No conversations in these days{filter.agentId || filter.channel ? ' for this filter' : ''}.
            </p>
          ) : (
            <ul className="conversations" aria-label="Conversations, newest first">
              {items.map((item) => (
                <ConversationRow key={item.id} item={item} />
              ))}
            </ul>
          )}
          {conversations.hasNextPage ? (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => conversations.fetchNextPage()}
              disabled={conversations.isFetchingNextPage}
            >
              Show more conversations
            </button>
          ) : null}
        </div>
      )}
    </Card>
  );
}
