/**
 * Messages between the panel's tabs and the service worker about ringing calls. The tab that plays audio
 * says a call rings (`ring`) and when it stops (`ring-over`); the service worker shows the system
 * notification only while no Patchbay tab has focus, and tells a tab what the user chose on it.
 */

/** Tab → service worker. */
export type RingMessage =
  | { patchbay: 'ring'; id: string; title: string; body: string }
  | { patchbay: 'ring-over'; id: string };

/** Service worker → tab: "Answer", "Decline" (to voicemail), or a click on the notification itself. */
export interface NotificationChoice {
  patchbay: 'notification';
  action: 'answer' | 'decline' | 'open';
  id: string;
}

/** The notification's tag for a call: one per call, replaced rather than stacked. */
export const ringTag = (id: string) => `call-${id}`;
