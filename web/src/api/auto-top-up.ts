import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AutoTopUpBody, AutoTopUpReply } from '../../../src/contract/auto-top-up.ts';
import { api } from './client.ts';
import { REFRESH_MS } from './queries.ts';

export type { AutoTopUpBody, AutoTopUpReply };

/** The workspace's auto top-up and its last attempt; refreshed like the figures, so a failure shows soon. */
export function useAutoTopUp() {
  return useQuery({
    queryKey: ['auto-top-up'],
    queryFn: ({ signal }) => api<AutoTopUpReply>('/v1/auto-top-up', { signal }),
    refetchInterval: REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}

export function useSetAutoTopUp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AutoTopUpBody) => api<AutoTopUpReply>('/v1/auto-top-up', { method: 'PUT', body }),
    onSuccess: (reply) => client.setQueryData(['auto-top-up'], reply),
  });
}
