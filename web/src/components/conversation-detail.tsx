import { useConversation } from '../api/conversations.ts';
import { formatCount, formatCredits, formatDateTime } from '../format.ts';
import { CardError, CardLoading } from './card.tsx';

/** Each reply of one conversation with its cost; refunded replies are marked in words, not by colour alone. */
export function ConversationDetail({ id, regionId }: { id: string; regionId: string }) {
  const conversation = useConversation(id);
  return (
    <section id={regionId} className="conversation-detail" aria-label={`Replies in conversation ${id}`}>
      {conversation.isPending ? (
        <CardLoading label="the replies" lines={3} />
      ) : conversation.isError ? (
        <CardError error={conversation.error} onRetry={() => conversation.refetch()} what="the replies" />
      ) : (
        <>
          <p className="conversation-detail-summary">
            {formatCount(conversation.data.responseCount)} {conversation.data.responseCount === 1 ? 'reply' : 'replies'}
            , {formatCredits(conversation.data.creditsUsed)} credits charged
            {conversation.data.nextCursor
              ? ` (the first ${formatCount(conversation.data.responses.length)} shown)`
              : ''}
          </p>
          <div className="table-scroll">
            <table className="replies" data-testid="conversation-replies">
              <thead>
                <tr>
                  <th scope="col">Reply</th>
                  <th scope="col">Time</th>
                  <th scope="col">Features</th>
                  <th scope="col">Credits</th>
                </tr>
              </thead>
              <tbody>
                {conversation.data.responses.map((reply) => (
                  <tr key={reply.id} className={reply.refunded ? 'is-refunded' : ''} data-testid="reply">
                    <th scope="row">{reply.id}</th>
                    <td>
                      <time dateTime={reply.occurredAt}>{formatDateTime(reply.occurredAt)}</time>
                    </td>
                    <td>
                      {reply.features.length > 0 ? reply.features.join(', ') : <span className="muted">none</span>}
                    </td>
                    <td>
                      {reply.refunded ? (
                        <>
                          <s>{formatCredits(reply.cost)}</s> <span className="badge badge-muted">Refunded</span>
                        </>
                      ) : (
                        formatCredits(reply.cost)
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
