/** App ids: the names of apps' private areas (`apps.<id>`) and of their writes' provenance. No dependencies: the panel shares it. */

/** Lower-case letters, digits and dashes, at most 40. */
export const APP_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * Ids an app may not take: the authors the panel trusts (`user`, `pbx`, `contacts`, and the hub's
 * built-in integrations) would let an app pass as them, and JavaScript's special names would reach
 * into objects keyed by app id.
 */
export const RESERVED_APP_IDS: ReadonlySet<string> = new Set([
  'user', 'pbx', 'contacts', 'hub', 'patchbay', 'gmail', 'webhook', 'webhooks', 'constructor', 'prototype',
]);
