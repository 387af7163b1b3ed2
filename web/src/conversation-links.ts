/**
 * The address of one day's conversations: what the usage history links each day to. Days
 * (`YYYY-MM-DD`) are the workspace's, as the API counts them; the server turns a day into instants.
 */
export function conversationsOfDay(day: string): string {
  return `/conversations?${new URLSearchParams({ from: day, to: day }).toString()}`;
}
