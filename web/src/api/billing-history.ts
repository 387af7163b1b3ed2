import { useQuery } from '@tanstack/react-query';
import type { BillingHistoryReply } from '../../../src/contract/billing-history.ts';
import { api } from './client.ts';

export type { HistoryEntryReply } from '../../../src/contract/billing-history.ts';

export const BILLING_HISTORY_CSV = '/v1/billing/history.csv';

export function useBillingHistory() {
  return useQuery({
    queryKey: ['billing-history'],
    queryFn: ({ signal }) => api<BillingHistoryReply>('/v1/billing/history', { signal }),
  });
}
