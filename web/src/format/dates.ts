/** Dates and times in the user's locale (the API sends ISO 8601 UTC instants). */

function toDate(value: string | Date): Date | null {
  const date = typeof value === "string" ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A calendar date (`23 Nov 2026`, `23 Nov 2026` in id-ID); empty for an invalid value. */
export function formatDate(value: string | Date, locale: string, timeZone?: string): string {
  const date = toDate(value);
  if (date === null) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", ...(timeZone ? { timeZone } : {}) }).format(date);
}

/** A date with the time of day; empty for an invalid value. */
export function formatDateTime(value: string | Date, locale: string, timeZone?: string): string {
  const date = toDate(value);
  if (date === null) return "";
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** A calendar month given as `YYYY-MM` (`Nov 2026`, `Nov 2026` in id-ID); the text itself if malformed. */
export function formatMonth(month: string, locale: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (match === null) return month;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" }).format(date);
}
