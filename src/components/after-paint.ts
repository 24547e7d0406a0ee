/**
 * Runs `fn` once what the tab changed so far has been painted: in a task after the next frame. A
 * hidden tab draws no frames, so there it runs in the next task. For work a change brings that the
 * user does not need to see first (the screen pop comes before the call's record, the ringtone, the
 * tab title).
 */
export function afterPaint(fn: () => void): void {
  if (document.hidden) setTimeout(fn);
  else requestAnimationFrame(() => setTimeout(fn));
}
