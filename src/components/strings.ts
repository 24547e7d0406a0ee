/**
 * What the panel says to people, in one place: every label, button, heading, accessible name, title,
 * placeholder, status and error sentence the panel itself writes. English ships. What the hub or an
 * app writes (its error messages, a call's reason, an app's name) is shown as it comes.
 *
 * Fixed sentences are strings; sentences with values are functions of named values. Plurals go
 * through `Intl.PluralRules` for the catalogue's language, numbers through `Intl.NumberFormat`
 * (`numbers` below: the browser's locale, as dates and times are in format.ts).
 *
 * To add a language: copy `en` into a new module as `export const fr: Strings = { … }`, translate
 * every value (TypeScript refuses a catalogue with a key missing or a function of other values), give
 * its plurals `pluralsOf('fr')`, and call `useStrings(fr)` before the panel first renders (main.ts).
 * Components read the active catalogue as `t.<view>.<key>` when they render.
 */

type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** Picks a plural form for `n` by a language's rules: `plural(n, { one: 'record', other: 'records' })`. */
export function pluralsOf(locale: string): (n: number, forms: Forms) => string {
  const rules = new Intl.PluralRules(locale);
  return (n, forms) => forms[rules.select(n)] ?? forms.other;
}

const group = new Intl.NumberFormat();
const whole = new Intl.NumberFormat(undefined, { useGrouping: false, maximumFractionDigits: 0 });
const tenths = new Intl.NumberFormat(undefined, { useGrouping: false, minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** Numbers in the browser's locale: `count` with grouping ("50,000"), `plain` without ("3000"), `tenths` ("1.5"). */
export const numbers = {
  count: (n: number): string => group.format(n),
  plain: (n: number): string => whole.format(n),
  tenths: (n: number): string => tenths.format(n),
};

const { count, plain } = numbers;
const plural = pluralsOf('en');

export const en = {
  /** The shell: header, views, banners, the shortcuts dialog. */
  app: {
    name: 'Patchbay',
    starting: 'Starting…',
    hubLost: 'The tab that ran the phone closed; another took over: try again.',
    demo: 'demo',
    views: 'Views',
    phone: 'Phone',
    history: 'History',
    audioHere: 'Audio plays in this tab',
    audioHereTitle: 'Calls ring and play in this tab',
    shortcuts: 'Keyboard shortcuts',
    shortcutsTitle: 'Keyboard shortcuts (?)',
    signOut: 'Sign out',
    offline: 'Offline: calls resume when the connection is back.',
    soundBlocked: 'The browser keeps Patchbay silent until you click on the page: calls ring without sound.',
    turnOnSound: 'Turn on sound',
    notificationsWhy: 'Allow notifications to see and answer calls while Patchbay is in the background.',
    allowNotifications: 'Allow notifications',
    notNow: 'Not now',
    unloggedCalls: (n: number, waiting?: string) => `Unlogged calls: ${plain(n)}${waiting ? ` · ${waiting}` : ''}`,
    retryNow: 'Retry now',
    updateReady: 'Update ready',
    updateReadyInCall: 'Update ready: reload after your call',
    reload: 'Reload',
    close: 'Close',
    configError: (message: string) => `config.json: ${message}`,
    couldNotStart: (message: string) => `Patchbay could not start: ${message}`,
  },

  /** The "?" dialog: what each single-key shortcut does. */
  keyboard: {
    title: 'Keyboard shortcuts',
    when: 'When you are not typing in a field:',
    answer: 'Answer the ringing call',
    hangUp: 'Hang up the call in progress (the one not on hold)',
    focusNumber: 'Go to the Number field: type a name or a number',
    help: 'Show these shortcuts',
  },

  /** The registration status line. */
  status: {
    registered: (aor?: string) => `Registered${aor ? ` as ${aor}` : ''}`,
    connecting: (waitSeconds: number, reason?: string) =>
      `Connecting…${waitSeconds ? ` next try in ${plain(waitSeconds)} s` : ''}${reason ? ` (${reason})` : ''}`,
    offline: (reason?: string) => `Offline${reason ? `: ${reason}` : ''}`,
    failed: (reason?: string) => `Failed: ${reason ?? 'unknown error'}`,
    signedOut: 'Signed out',
  },

  /** A call's fields, as every view names them (the call card, the detail, a lookup, a contact). */
  fields: {
    name: 'Name',
    company: 'Company',
    title: 'Title',
    email: 'Email',
    address: 'Address',
    number: 'Number',
    subject: 'Subject',
    notes: 'Notes',
    tags: 'Tags',
    labels: 'Labels',
    account: 'Account',
    opportunity: 'Opportunity',
    ticket: 'Ticket',
    links: 'Links',
  },

  /** Words about calls that several views share (format.ts). */
  calls: {
    direction: { inbound: 'Incoming', outbound: 'Outgoing' },
    outcome: {
      answered: 'answered',
      missed: 'missed',
      declined: 'declined',
      busy: 'busy',
      failed: 'failed',
      cancelled: 'cancelled',
      voicemail: 'sent to voicemail',
      interrupted: 'interrupted',
    },
    state: { ringing: 'ringing', dialing: 'dialing', active: 'active', held: 'held', ended: 'ended' },
    /** "Incoming, missed". */
    line: (direction: string, what: string) => `${direction}, ${what}`,
    lookup: 'Lookup',
    today: 'Today',
    yesterday: 'Yesterday',
    /** A time no calendar holds (a stored record from before imports were checked). */
    invalidDate: 'Invalid Date',
    /** Who wrote a field. */
    you: 'you',
    thePbx: 'the PBX',
  },

  /** Where a call was logged (the call card, the history, the detail). */
  logging: {
    gmail: 'Gmail',
    webhook: (n: string) => `webhook ${n}`,
    willNotLog: 'Will not be logged: you chose not to',
    loggedWhenWrapUpEnds: (at: string) => `Logged when the wrap-up ends (${at}), or at Done`,
    /** Why nothing was logged: the hub's reason, first letter lowered ("you chose not to"), or `skipped`. */
    notLogged: (reason: string) => `Not logged: ${reason}`,
    skipped: 'skipped',
    refused: 'it was refused',
    loggedTo: (to: string) => `Logged to ${to}`,
    notLoggedTo: (to: string, reason: string) => `Not logged to ${to}: ${reason}`,
    waitingFor: (to: string, reason?: string) => `Waiting to log to ${to}${reason ? `: ${reason}` : ''}`,
    badge: { waiting: 'Waiting to log', logged: 'Logged', partly: 'Partly logged', not: 'Not logged' },
  },

  /** Ringing, dialling and calls in progress, the dialpad, the call card, recent calls. */
  call: {
    incoming: 'Incoming call',
    incomingWaiting: 'Incoming call (waiting)',
    /** The tab's title while a call rings. */
    incomingTitle: (who: string, title: string) => `Incoming call: ${who} · ${title}`,
    answer: 'Answer',
    decline: 'Decline',
    sendToVoicemail: 'Send to voicemail',
    // An app asks to place a call.
    appWantsToPlaceCall: (app: string) => `${app} wants to place a call`,
    appWantsToCall: (app: string, target: string) => `${app} wants to call ${target}`,
    willHold: (who: string) => `Your call with ${who} will be put on hold.`,
    nothingDialled: 'Nothing is dialled until you press Call.',
    callTarget: (target: string) => `Call ${target}`,
    cancel: 'Cancel',
    // A call in progress.
    callWith: (who: string) => `Call with ${who}`,
    calling: 'Calling…',
    onHold: 'On hold',
    inCall: 'In call',
    muted: 'muted',
    demoNoAudio: 'demo call, no audio',
    audioMoved: 'audio moved after a tab closed',
    connectionLost: 'connection to the server lost, reconnecting…',
    media: { none: '', connecting: 'Connecting audio…', connected: 'Audio connected', failed: 'Audio failed' },
    duration: 'Call duration',
    hangUp: 'Hang up',
    hold: 'Hold',
    resume: 'Resume',
    mute: 'Mute',
    unmute: 'Unmute',
    keypad: 'Keypad',
    keypadLabel: 'Keypad',
    transfer: 'Transfer',
    transferTo: 'Transfer to',
    transferToNumber: 'Transfer to number',
    transferNow: 'Transfer now',
    tonesSent: 'Tones sent',
    micBlocked: 'Microphone blocked: allow it for this site, or the other party cannot hear you',
    noMic: (error: string) => `No microphone (${error}): the other party cannot hear you`,
    // The dialpad.
    favourites: 'Favourites',
    callName: (name: string) => `Call ${name}`,
    numberLabel: 'Number',
    numberPlaceholder: 'Name, number or name@domain',
    matches: 'Matching contacts and calls',
    recentCall: 'recent call',
    recentCallOf: (number: string) => `${number} · recent call`,
    nameAtCompany: (name: string, company: string) => `${name} (${company})`,
    extensionHint: (extension: string) => `Extension ${extension}: press it on the keypad once answered.`,
    call: 'Call',
    // The call card.
    record: 'Call record',
    by: (who: string) => `by ${who}`,
    saving: 'Saving…',
    saved: 'Saved',
    savedToContacts: (name: string) => `${name} saved to your contacts`,
    saveAsContact: 'Save as contact',
    doneWrapUpTitle: 'The wrap-up is over: log the call now and take it out of the panel',
    doneTitle: 'Take it out of the panel; apps are told',
    done: 'Done',
    fromApps: 'From apps',
    commaSeparated: 'comma separated',
    dontLog: "Don't log this call",
    loggingList: 'Logging',
    // Look up.
    lookUpSummary: 'Look up a number or a business card',
    lookUp: 'Look up',
    // Recent calls.
    recent: 'Recent calls',
    openForAppsLabel: (who: string) => `Open the call with ${who} for apps`,
    openTitle: 'Show it in the panel; apps are told and may add to it',
    open: 'Open',
    callBackLabel: (who: string) => `Call back ${who}`,
    callBack: 'Call back',
    noCalls: 'No calls yet.',
    /** A phone link opened the panel with nothing callable in it. */
    badTelLink: (link: string) => `This phone link has no number to call: "${link}"`,
  },

  /** The history list, its filters, export, import and storage. */
  history: {
    title: 'History',
    filters: { all: 'All', missed: 'Missed', received: 'Received', dialed: 'Dialed' },
    show: 'Show',
    search: 'Search history',
    searchPlaceholder: 'Search names, numbers, notes',
    list: 'Call history',
    retry: 'Retry',
    loading: 'Loading…',
    rang: (duration: string) => `rang ${duration}`,
    noMatch: (search: string) => `No calls match “${search}”.`,
    noCalls: 'No calls yet.',
    noCallsHere: 'No calls here.',
    chooseCall: 'Choose a call to see everything it holds, add notes and tags, or call back.',
    couldNotRead: (message: string) => `Could not read the history: ${message}`,
    couldNotReadMore: (message: string) => `Could not read more of the history: ${message}`,
    // Export, import and storage.
    data: 'Export, import and storage',
    export: 'Export',
    thisView: 'This view',
    allCalls: 'All calls',
    exportCsv: 'Export CSV',
    exportJson: 'Export JSON',
    importJson: 'Import JSON…',
    import: 'Import',
    exported: (format: string, all: boolean) => `Exported ${format}${all ? ' (all calls)' : ''}.`,
    exportFailed: 'Export failed',
    importFailed: 'Import failed',
    tooBig: (file: string, mb: number, maxMb: number) =>
      `Import failed: ${file} is ${plain(mb)} MB; a history export is at most ${plain(maxMb)} MB. Split it, or export fewer calls.`,
    importing: (file: string) => `Importing ${file}…`,
    imported: (added: number, skipped: number) => `Imported ${plain(added)}, skipped ${plain(skipped)}.`,
    /** "Export failed: …". */
    failed: (what: string, message: string) => `${what}: ${message}`,
    storageFull: (message?: string) => `Storage is full: ${message || 'the browser refused to store more'}. Every record already kept is intact.`,
    couldNotReadStorage: 'Could not read the storage use',
    couldNotPersist: (message: string) => `Could not ask to keep the history: ${message}`,
    bytes: (n: number) => (n >= 1e9 ? `${numbers.tenths(n / 1e9)} GB` : `${numbers.tenths(n / 1e6)} MB`),
    /** "Storage: 6 records, 1.2 MB used of 300.0 GB." */
    storage: (records: number, used?: string, quota?: string) =>
      `Storage: ${count(records)} ${plural(records, { one: 'record', other: 'records' })}${used !== undefined ? `, ${used} used${quota ? ` of ${quota}` : ''}` : ''}.`,
    persisted: 'This browser keeps the history until you delete it.',
    notPersisted: 'The browser may clear the history when space runs low.',
    keepHistory: 'Keep history on this device',
  },

  /** One call's detail, opened from the history. */
  detail: {
    label: 'Call details',
    call: 'Call',
    back: 'Back',
    close: 'Close',
    callsTitle: (target: string) => `Calls ${target}`,
    signInToCall: 'Sign in to call',
    callBack: 'Call back',
    openForApps: 'Open for apps',
    notesAndTags: 'Notes and tags',
    commaSeparated: 'Comma separated',
    saving: 'Saving…',
    saved: 'Saved',
    notSaved: (field: string, message: string) => `${field} not saved: ${message}`,
    /** `message` is the hub's; `full` when it already says the storage is full. */
    notSavedFull: (field: string, message: string, full: boolean) =>
      `${field} not saved: ${full ? message : `storage is full. ${message}`} Your text stays here.`,
    gone: 'This call is no longer in the history.',
    couldNotRead: (message: string) => `Could not read this call: ${message}`,
    contact: 'Contact',
    noContact: 'No contact details yet.',
    timeline: 'Timeline',
    noEvents: 'No events.',
    events: {
      ringing: 'Ringing',
      dialing: 'Dialing',
      answered: 'Answered',
      held: 'Held',
      resumed: 'Resumed',
      muted: 'Muted',
      unmuted: 'Unmuted',
      transferred: 'Transferred',
      forwarded: 'Forwarded',
      conferenced: 'Conferenced',
      'media-handover': 'Media handover',
      'connection-lost': 'Connection to the server lost',
      reconnected: 'Connection to the server back',
      ended: 'Ended',
    },
    fromApps: 'From apps',
    noApps: 'No app has added anything.',
    /** "by CRM, 14:05". */
    byAt: (who: string, at: string) => `by ${who}, ${at}`,
    whoWrote: (n: number) => `Who wrote what (${plain(n)})`,
    field: 'Field',
    by: 'By',
    when: 'When',
    // The call's facts.
    direction: 'Direction',
    outcome: 'Outcome',
    reason: 'Reason',
    callerName: 'Caller name',
    onLine: 'On line',
    nameAndAddress: (name: string, uri: string) => `${name} <${uri}>`,
    started: 'Started',
    answered: 'Answered',
    ended: 'Ended',
    ringing: 'Ringing',
    talk: 'Talk',
    encrypted: 'Encrypted',
    encryptedYes: 'Yes (WSS and SRTP)',
    recorded: 'Recorded',
    monitored: 'Monitored',
    logged: 'Logged',
    yes: 'Yes',
    no: 'No',
    loading: 'Loading…',
  },

  /** Settings: ringtone, numbers, history, time, speakers, phone links, sign-in. */
  settings: {
    title: 'Settings',
    /** Where the hub runs (hub-client.ts, HubMode). */
    hubMode: { 'shared-worker': 'The phone runs in a shared worker.', 'tab-hosted': 'The phone runs in one of your Patchbay tabs (this browser has no shared worker); another takes over if it closes.' },
    ringtone: 'Ringtone',
    country: 'Country for local numbers',
    countryPlaceholder: 'GB',
    keepHistory: 'Keep history',
    retention: { forever: 'Forever', 365: '1 year', 90: '90 days', 30: '30 days' },
    timeZone: 'Time zone',
    deviceZone: (zone: string) => `This device's (${zone})`,
    clock: 'Clock',
    clockDefault: 'As the language has it',
    clock12: '12-hour (3:05 PM)',
    clock24: '24-hour (15:05)',
    ringtonePlaysOn: 'Ringtone plays on',
    callsPlayOn: 'Calls play on',
    systemDefault: "The system's default",
    speaker: (n: number) => `Speaker ${plain(n)}`,
    // Phone links.
    noPhoneLinks: 'This browser cannot open phone links with a web app.',
    openPhoneLinks: 'Open phone links with Patchbay',
    phoneLinksAsked: 'If your browser asks, allow it: phone links then open here, ready to call.',
    // Embedded in another site's page.
    embeddedApart: 'This phone is separate from Patchbay in your other tabs: it signs in and rings on its own.',
    useBrowsersPhone: "Use this browser's phone",
    storageAccessRefused: (reason: string) => `The browser did not allow it: ${reason}`,
    // Sign-in.
    signInTitle: 'Sign in to your phone system',
    oneSignIn: 'One sign-in serves every Patchbay tab in this browser.',
    server: 'Server',
    serverPlaceholder: 'wss://pbx.example.com/ws',
    sipAddress: 'SIP address',
    sipAddressPlaceholder: 'sip:1001@pbx.example.com',
    sipAddressAtDomain: (domain: string) => `1001 or sip:1001@${domain}`,
    username: 'Username',
    usernameHint: "(optional: defaults to the address's user)",
    password: 'Password',
    displayName: 'Display name',
    rememberMe: 'Remember me',
    rememberHint:
      'Keeps your sign-in in this browser profile, encrypted with a key no script can read out, so Patchbay signs in again after a restart. That protects a copy of the stored data; it does not protect against anyone who can use this browser profile.',
    signIn: 'Sign in',
    tryDemo: 'Try the demo',
    demoHint: 'No PBX? A demo phone system runs in your browser; a caller rings a few seconds later.',
  },

  /** Settings → Call logging: Gmail, webhooks, which calls, the wrap-up. */
  callLogging: {
    title: 'Call logging',
    intro: "Each call is filed once its wrap-up is over: in Gmail with the labels Voice calls/Incoming, Outbound or Missed, and to your organisation's webhooks.",
    gmail: {
      unavailableDemo: 'Gmail: not connected (demo)',
      unavailable: 'Gmail: not set up on this site',
      disconnected: 'Gmail: not connected',
      connectedDemo: 'Gmail: connected (demo mailbox)',
      connected: 'Gmail: connected',
      expired: 'Gmail: the connection ran out. Calls wait to be logged until you reconnect.',
    },
    connect: 'Connect Gmail',
    reconnect: 'Reconnect Gmail',
    disconnect: 'Disconnect Gmail',
    connectDemo: 'Connect Gmail (demo mailbox)',
    waitingForGoogle: 'Waiting for Google…',
    popupBlocked: 'The browser blocked the Google sign-in window: allow pop-ups for this site and try again',
    webhooks: (n: number) => `Webhooks: ${plain(n)} from the site's configuration`,
    log: 'Log',
    logAll: 'Every call',
    logMatched: 'Calls a contact or an app recognised',
    logNone: 'No calls',
    wrapUp: 'Wrap-up before a call is logged',
    wrapUpTimes: { 0: 'Log at once', 30: '30 seconds', 120: '2 minutes', 300: '5 minutes', 900: '15 minutes' },
    demoMailbox: 'Demo mailbox',
    mailboxEmpty: 'No calls logged yet: finish a call, and it appears here once its wrap-up is over.',
  },

  /** Settings → Contacts: the address book. */
  contacts: {
    title: (n: number) => `Contacts (${count(n)})`,
    import: 'Import contacts',
    exportVcard: 'Export vCard',
    exportCsv: 'Export CSV',
    newContact: 'New contact',
    editContact: 'Edit contact',
    search: 'Search contacts',
    list: 'Contacts',
    phone: (n: number) => `Phone ${plain(n)}`,
    type: 'Type',
    /** The types a phone may have; any other label is shown as given. */
    phoneTypes: { mobile: 'mobile', work: 'work', home: 'home', main: 'main', fax: 'fax', other: 'other' },
    numberOfType: (number: string, type: string) => `${number} (${type})`,
    addNumber: 'Add a number',
    save: 'Save contact',
    cancel: 'Cancel',
    call: 'Call',
    callName: (name: string) => `Call ${name}`,
    favourite: 'Favourite',
    favouriteName: (name: string) => `Favourite: ${name}`,
    edit: 'Edit',
    editName: (name: string) => `Edit ${name}`,
    delete: 'Delete',
    deleteName: (name: string) => `Delete ${name}`,
    confirmDelete: (name: string) => `Delete ${name}?`,
    saved: (name: string) => `Saved ${name}`,
    shownOf: (shown: number, total: number) => `${plain(shown)} of ${count(total)}: search to find the others.`,
    noMatch: 'No contact matches.',
    none: 'No contacts yet: import a vCard or CSV file from your phone, Google Contacts or Outlook.',
    suggested: 'Suggested from calls',
    suggestedList: 'Suggested contacts',
    saveSuggested: 'Save',
    saveName: (name: string) => `Save ${name}`,
    tooBig: (file: string, mb: number) => `${file} is ${plain(mb)} MB: at most 64 MB per import. Split it and import each part.`,
    importing: (file: string) => `Importing ${file}…`,
    /**
     * "Imported 2 contacts from team.vcf; 1 already there; 1 skipped (card 3: no name)": `first` is the
     * first entry skipped, its row (CSV) or card (vCard) counted from 1, and the hub's reason.
     */
    imported: (added: number, file: string, duplicates: number, skipped: number, first?: { csv: boolean; at: number; reason: string }) =>
      [
        `Imported ${count(added)} ${plural(added, { one: 'contact', other: 'contacts' })} from ${file}`,
        ...(duplicates ? [`${count(duplicates)} already there`] : []),
        ...(skipped && first ? [`${plain(skipped)} skipped (${first.csv ? 'row' : 'card'} ${plain(first.at)}: ${first.reason})`] : []),
      ].join('; '),
  },

  /** The business apps: their tabs in the panel, and Settings → Apps. */
  apps: {
    label: 'Apps',
    addedAfterLoad: (app: string) => `${app} was added after this page loaded.`,
    reloadToLoad: 'Reload to load it',
    title: 'Apps',
    inPanel: 'Apps in the panel',
    noGrants: 'no grants',
    remove: 'Remove',
    removeName: (app: string) => `Remove ${app}`,
    byAdministrator: 'added by your administrator',
    appName: 'App name',
    appAddress: 'App address',
    appAddressPlaceholder: 'https://crm.example.com/patchbay/',
    mayDo: 'The app may',
    grants: {
      read: 'Read calls',
      'write:contact': 'Write contact details',
      'write:notes': 'Write notes',
      'write:tags': 'Write tags',
      'write:ticket': 'Write the ticket',
      'write:account': 'Write the account',
      'write:opportunity': 'Write the opportunity',
      dial: 'Place calls',
    },
    add: 'Add app',
    loadAfterReload: 'New apps load after a reload of the panel.',
  },
};

/** A catalogue: every key of the English one, each a string or a function of the same values. */
export type Strings = typeof en;

/** The catalogue the panel speaks. */
export let t: Strings = en;

/** Switches the panel's language; takes effect from the next render (call it before the first). */
export function useStrings(next: Strings): void {
  t = next;
}
