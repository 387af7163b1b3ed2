import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AlertLevelInput, AlertLevelsReply, EmailNoticesReply } from '../../../src/contract/alert-levels.ts';
import { api } from './client.ts';

export type { AlertLevelInput, AlertLevelsReply, EmailNoticesReply };

/** The workspace's usage levels and where the period stands against them. */
export function useAlertLevels() {
  return useQuery({
    queryKey: ['alert-levels'],
    queryFn: ({ signal }) => api<AlertLevelsReply>('/v1/alerts/levels', { signal }),
  });
}

/** Replaces the levels (a list), or goes back to the defaults (null). */
export function useSetAlertLevels() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (levels: AlertLevelInput[] | null) =>
      levels === null
        ? api<AlertLevelsReply>('/v1/alerts/levels', { method: 'DELETE' })
        : api<AlertLevelsReply>('/v1/alerts/levels', { method: 'PUT', body: { levels } }),
    onSuccess: (reply) => client.setQueryData(['alert-levels'], reply),
  });
}

/** The signed-in user's own e-mail notices. */
export function useEmailNotices(enabled: boolean) {
  return useQuery({
    queryKey: ['email-notices'],
    queryFn: ({ signal }) => api<EmailNoticesReply>('/v1/alerts/email', { signal }),
    enabled,
  });
}

export function useSetEmailNotices() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (enabled: boolean) => api<EmailNoticesReply>('/v1/alerts/email', { method: 'PUT', body: { enabled } }),
    onSuccess: (reply) => client.setQueryData(['email-notices'], reply),
  });
}
