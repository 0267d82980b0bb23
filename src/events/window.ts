/** Events more than this far in the future are excluded (clock skew allowance). */
export const FUTURE_TOLERANCE_SECONDS = 5 * 60;

export interface TimeWindow {
  /** Oldest event_time kept, inclusive. */
  from: number;
  /** Newest event_time kept, inclusive. */
  to: number;
}

export function timeWindow(nowMs: number, windowDays: number): TimeWindow {
  const now = Math.floor(nowMs / 1000);
  return { from: now - windowDays * 86_400, to: now + FUTURE_TOLERANCE_SECONDS };
}

export function inWindow(eventTime: number, window: TimeWindow): boolean {
  return eventTime >= window.from && eventTime <= window.to;
}
