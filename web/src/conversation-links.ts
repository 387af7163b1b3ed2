/**
 * The address of one day's conversations: what the usage history links each day to. Days are UTC
 * days (`YYYY-MM-DD`), as the API counts them; the server turns a day into instants in one place.
 */
export function conversationsOfDay(day: string): string {
  return `/conversations?${new URLSearchParams({ from: day, to: day }).toString()}`;
}
