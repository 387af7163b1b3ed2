import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LimitsBody, LimitsReply } from '../../../src/contract/limits.ts';
import { api } from './client.ts';
import { REFRESH_MS } from './queries.ts';

export type { LimitsBody, LimitsReply };

/** The workspace's spend limits and what each has used this billing period. */
export function useSpendLimits() {
  return useQuery({
    queryKey: ['limits'],
    queryFn: ({ signal }) => api<LimitsReply>('/v1/limits', { signal }),
    refetchInterval: REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}

/** Sets them (admin sessions only; PUT replaces the agent list). */
export function useSetSpendLimits() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: LimitsBody) => api<LimitsReply>('/v1/limits', { method: 'PUT', body }),
    onSuccess: (reply) => client.setQueryData(['limits'], reply),
  });
}
