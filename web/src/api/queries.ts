import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { type DayRange, toDateInput } from '../periods.ts';
import { ApiError, api, setCsrfToken } from './client.ts';
import type {
  BalanceReply,
  ForecastReply,
  SessionReply,
  SettingsReply,
  TwilioCardReply,
  TwilioConnectBody,
  UsageBreakdownReply,
  UsageHistoryReply,
  UsageSummaryReply,
} from './types.ts';

/** Figures refresh on their own this often while the page is visible (paused in a background tab). */
export const REFRESH_MS = 10_000;

const live = { refetchInterval: REFRESH_MS, refetchIntervalInBackground: false } as const;

/** `from` and `to` as the API takes them: the first and the last day included, in the workspace's zone. */
export function rangeQuery(range: DayRange): string {
  const lastDay = new Date(range.to.getTime() - 86_400_000);
  return new URLSearchParams({ from: toDateInput(range.from), to: toDateInput(lastDay) }).toString();
}

/** False in a viewer session (a host platform's read-only link): the page then offers no writes, which would be 403. */
export function useCanChange(): boolean {
  return useSession().data?.role !== 'viewer';
}

export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async ({ signal }) => {
      try {
        const session = await api<SessionReply>('/v1/session', { signal });
        setCsrfToken(session.csrfToken);
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(null);
          return null;
        }
        throw error;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string }) =>
      api<SessionReply>('/v1/session', { method: 'POST', body: input }),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      client.setQueryData(['session'], session);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('/v1/session', { method: 'DELETE' }),
    onSettled: () => {
      setCsrfToken(null);
      client.setQueryData(['session'], null);
      // Nothing of the workspace stays in memory for whoever uses this browser next.
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
    },
  });
}

export function useBalance() {
  return useQuery({
    queryKey: ['balance'],
    queryFn: ({ signal }) => api<BalanceReply>('/v1/balance', { signal }),
    ...live,
  });
}

export function useSummary(range: DayRange) {
  const query = rangeQuery(range);
  return useQuery({
    queryKey: ['summary', query],
    queryFn: ({ signal }) => api<UsageSummaryReply>(`/v1/usage/summary?${query}`, { signal }),
    placeholderData: keepPreviousData,
    ...live,
  });
}

export function useHistory(range: DayRange, interval: 'day' | 'week', agentId?: string) {
  const query = `${rangeQuery(range)}&interval=${interval}${agentId ? `&${new URLSearchParams({ agentId })}` : ''}`;
  return useQuery({
    queryKey: ['history', query],
    queryFn: ({ signal }) => api<UsageHistoryReply>(`/v1/usage/history?${query}`, { signal }),
    placeholderData: keepPreviousData,
    ...live,
  });
}

export function useForecast() {
  return useQuery({
    queryKey: ['forecast'],
    queryFn: ({ signal }) => api<ForecastReply>('/v1/forecast', { signal }),
    ...live,
  });
}

export function useTwilio() {
  return useQuery({
    queryKey: ['twilio'],
    queryFn: ({ signal }) => api<TwilioCardReply>('/v1/twilio', { signal }),
    ...live,
  });
}

export function useConnectTwilio() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TwilioConnectBody) => api<TwilioCardReply>('/v1/twilio', { method: 'PUT', body }),
    onSuccess: (card) => client.setQueryData(['twilio'], card),
  });
}

export function useDisconnectTwilio() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('/v1/twilio', { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['twilio'] }),
  });
}

export function useSettings() {
  return useQuery({
    queryKey: ['settings'],
    queryFn: ({ signal }) => api<SettingsReply>('/v1/settings', { signal }),
    ...live,
  });
}

/**
 * Today in the workspace's time zone by the server's clock (the UTC midnight of that date, as
 * periods.ts counts days): the day every range on the page ends on. Until the server has said, today
 * in UTC by this browser's clock, as usage was counted before zones.
 */
export function useToday(): Date {
  const day = useSettings().data?.today ?? toDateInput(new Date());
  return useMemo(() => new Date(`${day}T00:00:00Z`), [day]);
}

export function useBreakdown(range: DayRange, by: 'agent' | 'channel' | 'feature') {
  const query = `${rangeQuery(range)}&by=${by}`;
  return useQuery({
    queryKey: ['breakdown', query],
    queryFn: ({ signal }) => api<UsageBreakdownReply>(`/v1/usage/breakdown?${query}`, { signal }),
    placeholderData: keepPreviousData,
    ...live,
  });
}
