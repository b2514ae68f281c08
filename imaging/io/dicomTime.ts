// DICOM date and time values (DA, TM, DT; PS3.5 §6.2) as seconds on one common clock.
// Time-zone offsets are ignored: the tags compared for SUV decay come from one scanner, in one local time.

export const DAY_SECONDS = 86400;

/** DA "YYYYMMDD" (or the legacy "YYYY.MM.DD") → seconds at 00:00 of that day (UTC arithmetic). */
export function parseDicomDate(text: string): number | undefined {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000;
}

/** TM "HH[MM[SS[.FFFFFF]]]" (or the legacy "HH:MM:SS.frac") → seconds since midnight. */
export function parseDicomTime(text: string): number | undefined {
  const m = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(\.\d{1,6})?)?)?$/.exec(text.trim());
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  if (h > 23 || min > 59 || s > 60) return undefined;
  return h * 3600 + min * 60 + s + (m[4] ? Number(m[4]) : 0);
}

/** DT "YYYYMMDDHHMMSS.FFFFFF&ZZXX" (components after the year optional) → seconds; the offset is ignored. */
export function parseDicomDateTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?$/.exec(text.trim());
  if (!m) return undefined;
  const date = Date.UTC(Number(m[1]), Number(m[2] ?? 1) - 1, Number(m[3] ?? 1)) / 1000;
  return date + Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0) + (m[7] ? Number(m[7]) : 0);
}

/** Seconds of a date (DA) plus a time (TM); undefined when either is missing or malformed. */
export function combineDateTime(date: string | undefined, time: string | undefined): number | undefined {
  if (!date || !time) return undefined;
  const d = parseDicomDate(date);
  const t = parseDicomTime(time);
  return d === undefined || t === undefined ? undefined : d + t;
}
