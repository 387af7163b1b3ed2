import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { api, idempotencyKey } from './client.ts';
import type { CheckoutReply, UpgradeOptionsReply } from './types.ts';

/** The current plan, the plans above it and the packs. */
export function useUpgradeOptions() {
  return useQuery({
    queryKey: ['upgrade-options'],
    queryFn: ({ signal }) => api<UpgradeOptionsReply>('/v1/upgrade-options', { signal }),
  });
}

/**
 * Starts a checkout for a plan or a pack. One idempotency key per choice, kept across retries of
 * it, so a double click or a retried request never buys twice.
 */
export function useCheckout() {
  const client = useQueryClient();
  const keys = useRef(new Map<string, string>());
  return useMutation({
    mutationFn: async (choice: { kind: 'plan' | 'pack'; id: string }) => {
      const name = `${choice.kind}:${choice.id}`;
      const key = keys.current.get(name) ?? idempotencyKey();
      keys.current.set(name, key);
      return choice.kind === 'plan'
        ? api<CheckoutReply>('/v1/subscription', {
            method: 'POST',
            body: { plan: choice.id },
            headers: { 'idempotency-key': key },
          })
        : api<CheckoutReply>('/v1/purchases', {
            method: 'POST',
            body: { pack: choice.id },
            headers: { 'idempotency-key': key },
          });
    },
    onSuccess: (reply, choice) => {
      keys.current.delete(`${choice.kind}:${choice.id}`);
      if (reply?.checkoutUrl) {
        window.location.assign(reply.checkoutUrl);
        return;
      }
      void client.invalidateQueries();
    },
  });
}
