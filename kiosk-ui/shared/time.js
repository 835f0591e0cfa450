// Local dates of a site: days are counted in the site's IANA time zone, never the browser's
// or UTC (a director in another zone, or a page opened at 08:00 in Tokyo, is 23:00 UTC).

/** "YYYY-MM-DD": the local date in `timeZone` (Asia/Tokyo when unknown) of `instant`. */
export function localDate(timeZone, instant = new Date()) {
  let fmt;
  try {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });
  }
  const parts = {};
  for (const p of fmt.formatToParts(instant)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}
