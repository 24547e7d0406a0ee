/**
 * A change to the hub's settings, as a tab sends it: one schema, each field optional (absent: left as
 * it is). `defaultCountry` and `retentionDays` take '' or null to clear. The user's apps are checked
 * by the app registry (worker/apps/app-registry.ts), which knows the panel's origin.
 */
import * as v from 'valibot';

/** Empty text or null clears the field; anything else must pass `schema`. */
const clearable = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(v.unknown(), v.transform((x) => (x === '' ? null : x)), v.nullable(schema));

/** Whether `Intl` knows the zone (the list it supports, or a formatter it can build). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const SettingsPatchSchema = v.object({
  ringtone: v.optional(v.boolean('true or false')),
  defaultCountry: v.optional(clearable(v.pipe(
    v.string('a two-letter country code such as GB or US'),
    v.regex(/^[A-Za-z]{2}$/, 'a two-letter country code such as GB or US'),
    v.toUpperCase(),
  ))),
  retentionDays: v.optional(clearable(v.pipe(
    v.number('a whole number of days from 1 to 36500, or empty to keep everything'),
    v.integer('a whole number of days from 1 to 36500, or empty to keep everything'),
    v.minValue(1, 'a whole number of days from 1 to 36500, or empty to keep everything'),
    v.maxValue(36500, 'a whole number of days from 1 to 36500, or empty to keep everything'),
  ))),
  wrapUpSeconds: v.optional(v.pipe(
    v.number('a whole number of seconds from 0 (log at once) to 3600'),
    v.integer('a whole number of seconds from 0 (log at once) to 3600'),
    v.minValue(0, 'a whole number of seconds from 0 (log at once) to 3600'),
    v.maxValue(3600, 'a whole number of seconds from 0 (log at once) to 3600'),
  )),
  logCalls: v.optional(v.picklist(['all', 'matched', 'none'], 'all, matched or none')),
  timeZone: v.optional(clearable(v.pipe(
    v.string('a time zone such as Europe/London'),
    v.maxLength(64, 'a time zone such as Europe/London'),
    v.check(isTimeZone, 'a time zone such as Europe/London or America/New_York'),
  ))),
  hourCycle: v.optional(clearable(v.picklist(['h12', 'h23'], 'h12 or h23'))),
  ringDevice: v.optional(clearable(v.pipe(v.string('a device id'), v.maxLength(256, 'a device id')))),
  callDevice: v.optional(clearable(v.pipe(v.string('a device id'), v.maxLength(256, 'a device id')))),
  apps: v.optional(v.unknown()),
});
