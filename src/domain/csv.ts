/** One CSV field (RFC 4180): quoted when it holds a quote, a comma or a line break, quotes doubled. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV file: a header row, then one row per record, CRLF line ends. */
export function csvFile(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
