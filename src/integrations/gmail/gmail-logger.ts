/**
 * Logs one final call to Gmail: reads the record through the same API iframed apps use, files it
 * under its call type ("Voice calls/Missed"…) and the labels the user gave it, and inserts it.
 */
import type { CallRecord } from '../../shared/record.ts';
import { phoneNumbersReady } from '../../shared/phone-number.ts';
import { DeliveryError } from '../delivery.ts';
import { callMessage, callTypeLabel } from './call-message.ts';
import type { GmailApi } from './gmail-api.ts';

export interface CallReader {
  get(id: string): Promise<CallRecord | undefined>;
}

export interface GmailLoggerOptions {
  calls: CallReader;
  api: GmailApi;
  /** The user's zone, for the Date header and the times in the message. */
  timeZone?: string;
  locale?: string;
  appNames?: Record<string, string>;
}

export class GmailLogger {
  constructor(private readonly opts: GmailLoggerOptions) {}

  /** Inserts the call's message; `ref` is Gmail's message id. */
  async deliver(callId: string): Promise<{ ref: string }> {
    const record = await this.opts.calls.get(callId);
    if (!record) throw new DeliveryError(`Call ${callId} is no longer in the history`, 'never');
    // Numbers read "+1 202-555-0147" once libphonenumber's metadata is in (the hub loads it at start).
    await phoneNumbersReady.catch(() => undefined);
    const { api, timeZone, locale, appNames } = this.opts;
    const labelIds = await api.ensureLabels([callTypeLabel(record)]);
    for (const name of record.labels ?? []) {
      try {
        labelIds.push(...(await api.ensureLabels([name])));
      } catch (error) {
        // A name Gmail refuses ("INBOX", too long…) loses only that label, not the call's log.
        if (!(error instanceof DeliveryError) || error.retry !== 'never') throw error;
      }
    }
    const { raw } = callMessage(record, { timeZone, locale, appNames });
    try {
      return { ref: await api.insert(raw, [...new Set(labelIds)]) };
    } catch (error) {
      // A label deleted in Gmail since it was listed: list again on the next try.
      if (error instanceof DeliveryError && error.status === 400) {
        api.forgetLabels();
        throw new DeliveryError(error.message, 'later', error.retryAfterMs, error.status);
      }
      throw error;
    }
  }
}
