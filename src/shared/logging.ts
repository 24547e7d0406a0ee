/**
 * The site's logging destinations, as config.json states them (`gmail`, `webhooks`): checked by the hub
 * before anything is sent anywhere.
 */
import * as v from 'valibot';
import { boundedArray } from './schema.ts';

/** A Google OAuth client id, e.g. `1234-abc.apps.googleusercontent.com`. */
const clientId = v.pipe(v.string('a Google OAuth client id'), v.trim(), v.regex(/^[\w.-]{1,256}$/, 'a Google OAuth client id, such as 1234-abc.apps.googleusercontent.com'));

const webhook = v.object({
  url: v.pipe(
    v.string('a URL'),
    v.maxLength(2048, 'a URL of at most 2048 characters'),
    v.url('an absolute URL'),
    v.check((u) => /^https?:\/\//i.test(u), 'an http(s) URL'),
  ),
  // Sent as a header: a line break would start another one.
  token: v.optional(v.pipe(v.string('text'), v.maxLength(1024, 'at most 1024 characters'), v.regex(/^[\x21-\x7e]*$/, 'printable ASCII with no spaces'))),
});

export const LoggingConfigSchema = v.object({
  gmail: v.optional(v.object({ clientId })),
  webhooks: v.optional(boundedArray(webhook, 10, 'webhooks')),
});
