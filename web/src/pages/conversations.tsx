import { ConversationsCard } from '../components/conversations-card.tsx';

export function ConversationsPage() {
  return (
    <>
      <div className="page-title">
        <h1>Conversations</h1>
        <p className="muted">
          Each call and chat with its replies and what they cost. Days are counted in the workspace's time zone.
        </p>
      </div>
      <div className="grid">
        <ConversationsCard />
      </div>
    </>
  );
}
