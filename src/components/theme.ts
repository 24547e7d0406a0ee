import { css } from 'lit';

/** Shared tokens: light by default, dark when the system asks for it. */
export const theme = css`
  :host {
    --pb-bg: #f6f7f9;
    --pb-surface: #ffffff;
    --pb-text: #17202a;
    --pb-muted: #5b6673;
    --pb-border: #d9dee4;
    --pb-accent: #0b6bcb;
    --pb-accent-text: #ffffff;
    --pb-good: #137333;
    --pb-bad: #b3261e;
    --pb-warn: #8a5a00;
    --pb-on-status: #ffffff;
    --pb-radius: 10px;
    color: var(--pb-text);
    font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --pb-bg: #0f1419;
      --pb-surface: #1a2129;
      --pb-text: #e8edf2;
      --pb-muted: #9aa7b4;
      --pb-border: #2c3640;
      --pb-accent: #5aa9f5;
      --pb-accent-text: #0b1a2a;
      --pb-good: #6dd58c;
      --pb-bad: #ff8a80;
      --pb-warn: #f3c25c;
      --pb-on-status: #10161c;
    }
  }
  button {
    font: inherit;
    border: 1px solid var(--pb-border);
    background: var(--pb-surface);
    color: var(--pb-text);
    border-radius: 8px;
    padding: 0.45em 0.9em;
    cursor: pointer;
    min-height: 40px;
  }
  button:hover { border-color: var(--pb-accent); }
  button:focus-visible, input:focus-visible { outline: 3px solid var(--pb-accent); outline-offset: 1px; }
  button.primary { background: var(--pb-accent); color: var(--pb-accent-text); border-color: var(--pb-accent); }
  button.good { background: var(--pb-good); color: var(--pb-on-status); border-color: var(--pb-good); }
  button.bad { background: var(--pb-bad); color: var(--pb-on-status); border-color: var(--pb-bad); }
  button[aria-pressed='true'] { background: var(--pb-text); color: var(--pb-surface); }
  button:disabled { opacity: 0.5; cursor: not-allowed; }
  input {
    font: inherit;
    color: var(--pb-text);
    background: var(--pb-surface);
    border: 1px solid var(--pb-border);
    border-radius: 8px;
    padding: 0.5em 0.6em;
    min-height: 40px;
    box-sizing: border-box;
    width: 100%;
  }
  .card {
    background: var(--pb-surface);
    border: 1px solid var(--pb-border);
    border-radius: var(--pb-radius);
    padding: 14px;
  }
  .muted { color: var(--pb-muted); }
  /* A collapsible card: settings, apps, lookup, export. */
  details.card { padding: 10px 14px; }
  summary { cursor: pointer; font-weight: 600; }
  .visually-hidden {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
`;
