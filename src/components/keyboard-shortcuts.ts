/**
 * The panel's keyboard shortcuts: single keys, as Gmail has them, taken only when the user is not typing
 * (in a field, a text area, a list) and with no modifier held, so they never steal a character or a
 * browser shortcut. "?" lists them.
 */
import type { HubClient } from './hub-client.ts';
import { t, type Strings } from './strings.ts';

export interface Shortcut {
  /** `KeyboardEvent.key`. */
  key: string;
  /** What the help dialog says it does, in the catalogue's words. */
  does: keyof Omit<Strings['keyboard'], 'title' | 'when'>;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { key: 'a', does: 'answer' },
  { key: 'h', does: 'hangUp' },
  { key: '/', does: 'focusNumber' },
  { key: '?', does: 'help' },
];

/** What a shortcut does, as the help dialog says it. */
export const shortcutText = (s: Shortcut): string => t.keyboard[s.does];

/** Whether a key press happens while the user types somewhere (it is theirs, not a shortcut). */
function typing(event: KeyboardEvent): boolean {
  const target = event.composedPath()[0];
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.closest('[role="listbox"]') !== null;
}

export interface ShortcutTargets {
  focusNumber(): void;
  showHelp(): void;
  error(message: string): void;
}

/** Listens on the document for the shortcuts; returns the function that stops it. */
export function listenForShortcuts(client: HubClient, targets: ShortcutTargets): () => void {
  const onKey = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event)) return;
    const run = (action: Promise<unknown>) => action.catch((error: Error) => targets.error(error.message));
    const live = client.liveCalls;
    switch (event.key) {
      case 'a': {
        const ringing = live.find((c) => c.state === 'ringing' && c.direction === 'inbound');
        if (!ringing) return;
        void run(client.api.answer(ringing.id));
        break;
      }
      case 'h': {
        const talking = live.find((c) => c.state === 'active') ?? live.find((c) => c.state === 'dialing') ?? live.find((c) => c.state === 'held');
        if (!talking) return;
        void run(client.api.hangUp(talking.id));
        break;
      }
      case '/':
        targets.focusNumber();
        break;
      case '?':
        targets.showHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
