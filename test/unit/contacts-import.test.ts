import { expect } from 'chai';
import * as v from 'valibot';
import { ContactInputSchema, StoredContactSchema, type ContactInput } from '../../src/shared/contacts.ts';
import { MAX_CONTACTS_PER_IMPORT } from '../../src/worker/contacts/contact-draft.ts';
import { parseContactsCsv, writeContactsCsv } from '../../src/worker/contacts/csv.ts';
import { MAX_LINE_CHARS, parseVCards, writeVCards } from '../../src/worker/contacts/vcard.ts';

/** A fixture as the browser reads a chosen file: bytes decoded as UTF-8, a BOM kept for the parser. */
async function fixture(name: string): Promise<string> {
  const response = await fetch(new URL(`../fixtures/contacts/${name}`, import.meta.url));
  expect(response.ok, name).to.equal(true);
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
}

const person = (c: Partial<ContactInput> & { name: string }): ContactInput => ({ emails: [], phones: [], source: 'import', ...c });

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, 'an error').to.be.instanceOf(Error);
  return error!;
}

describe('the contact schema', () => {
  const ok = person({ name: 'Jane Doe', phones: [{ number: '+12025550147', type: 'mobile' }], emails: ['jane@example.com'] });

  it('takes a contact a user or a file gives, and a stored one with a UUID and a time', () => {
    expect(v.safeParse(ContactInputSchema, ok).success).to.equal(true);
    expect(v.safeParse(StoredContactSchema, { ...ok, id: crypto.randomUUID(), updatedAt: Date.now() }).success).to.equal(true);
    expect(v.safeParse(StoredContactSchema, { ...ok, id: 'contact-1', updatedAt: Date.now() }).success).to.equal(false);
  });

  it('refuses an empty name, control characters, a 21st number and a sparse list before walking it', () => {
    const bad = [
      { ...ok, name: '' },
      { ...ok, name: 'Bell\u0007' },
      { ...ok, phones: Array.from({ length: 21 }, (_, i) => ({ number: `+1202555${1000 + i}` })) },
      { ...ok, emails: new Array(1e9) },
      { ...ok, phones: [{ number: '+1', type: 'x'.repeat(41) }] },
      { ...ok, emails: ['not an address'] },
      { ...ok, source: 'app' },
    ];
    bad.forEach((contact, i) => expect(v.safeParse(ContactInputSchema, contact, { abortEarly: true }).success, `case ${i}`).to.equal(false));
  });
});

describe('vCard import', () => {
  it('reads an iPhone export (3.0): types, Apple labels in groups, a company card, escaped ORG; photos and addresses stepped over', async () => {
    const { contacts, skipped } = await parseVCards(await fixture('iphone-3.0.vcf'), { defaultCountry: 'GB' });
    expect(skipped).to.deep.equal([]);
    expect(contacts).to.deep.equal([
      person({
        name: 'Johnny Appleseed',
        company: 'Apple Inc.',
        title: 'Engineer',
        emails: ['johnny@example.com', 'jappleseed@apple.example'],
        phones: [
          { number: '+14085550123', type: 'mobile' },
          { number: '+14085550124', type: 'mobile' },
          { number: '+14085550125', type: 'Studio' },
          { number: '+14085550127', type: 'other' },
          { number: '+14085550126', type: 'fax' },
          { number: '+14085550128', type: 'main' },
        ],
      }),
      person({ name: 'Acme Plumbing', company: 'Acme Plumbing', phones: [{ number: '+442079460018', type: 'work' }] }),
      person({ name: 'Chidi Okafor', company: 'Smith, Jones & Co', phones: [{ number: '1002', type: 'work' }] }),
    ]);
  });

  it('reads an old Android export (2.1): quoted-printable UTF-8 with soft line breaks, folding that keeps its space, bare types, N when FN is missing', async () => {
    const { contacts, skipped } = await parseVCards(await fixture('android-2.1-qp.vcf'), {});
    expect(skipped).to.deep.equal([]);
    expect(contacts).to.deep.equal([
      person({ name: '张三', emails: ['zhang.san@example.cn'], phones: [{ number: '13800138000', type: 'mobile' }, { number: '+861065529988', type: 'work' }] }),
      person({ name: 'Jürgen Müller (Büro Nord)', company: 'Bäckerei Müller GmbH', phones: [{ number: '0301234567', type: 'home' }, { number: '+49307654321' }] }),
      person({ name: 'Anna Smith', title: 'Head of Research', phones: [{ number: '+447700900123', type: 'mobile' }] }),
    ]);
  });

  it('reads national numbers in the country the user chose', async () => {
    const german = await parseVCards(await fixture('android-2.1-qp.vcf'), { defaultCountry: 'DE' });
    expect(german.contacts[1]!.phones[0]).to.deep.equal({ number: '+49301234567', type: 'home' });
    const chinese = await parseVCards(await fixture('android-2.1-qp.vcf'), { defaultCountry: 'CN' });
    expect(chinese.contacts[0]!.phones[0]).to.deep.equal({ number: '+8613800138000', type: 'mobile' });
  });

  it('reads 4.0: tel: URIs with an extension, quoted TYPE lists, CATEGORIES starred, escaped ; , and \\n', async () => {
    const { contacts, skipped } = await parseVCards(await fixture('vcard-4.0.vcf'), {});
    expect(skipped).to.deep.equal([]);
    expect(contacts).to.deep.equal([
      person({
        name: 'Simon Perreault',
        company: 'Viagenie',
        title: 'Research Engineer',
        emails: ['simon.perreault@viagenie.ca'],
        phones: [{ number: '+14186569254;ext=102', type: 'work' }, { number: '+14182626501', type: 'mobile' }],
        favourite: true,
      }),
      person({
        name: 'Ada Lovelace',
        company: 'Rock, Paper & Scissors; Ltd',
        title: 'Counsel and Notary',
        emails: ['ada@example.org'],
        phones: [{ number: '+15555555555', type: 'mobile' }, { number: '+442079460123', type: 'home' }],
      }),
    ]);
  });

  it('unfolds lines (space or tab), reads a BOM, LF endings, groups in any case, skips nested cards and keeps a card cut short', async () => {
    const { contacts, skipped } = await parseVCards(await fixture('awkward.vcf'), {});
    expect(skipped).to.deep.equal([]);
    expect(contacts).to.deep.equal([
      person({
        name: "Bartholomew Fitzgerald-Ö'Sullivan the Third",
        emails: ['bart@example.com'],
        phones: [{ number: '+12025550123', type: 'Boat' }, { number: '+12025550124', type: 'mobile' }],
      }),
      person({ name: 'Cut Short', phones: [{ number: '+12025550125' }] }),
    ]);
  });

  it('keeps markup as text, drops control characters and direction overrides, and says why each bad card was skipped', async () => {
    const { contacts, skipped } = await parseVCards(await fixture('hostile.vcf'), {});
    expect(contacts.map((c) => c.name)).to.deep.equal(['<img src=x onerror=alert(1)>', 'Bell Esc [31m Red Reversed', 'Eve END:VCARD', 'Quoted Param']);
    expect(contacts[0]!.company).to.equal('<script>alert(2)</script>');
    expect(contacts[1]!.title).to.equal('A B');
    // Quoted-printable's soft line break makes the END:VCARD after it part of the name (vCard 2.1).
    expect(contacts[2]!.phones).to.deep.equal([{ number: '+12025550666' }]);
    expect(contacts[3]!.phones).to.deep.equal([{ number: '+12025550150' }]);
    expect(skipped.map((s) => s.index)).to.deep.equal([2, 3, 4]);
    expect(skipped[0]!.reason).to.match(/Too Many Numbers: phones: a list of at most 20 phone numbers/);
    expect(skipped[1]!.reason).to.match(/name: at most 200 characters/);
    expect(skipped[2]!.reason).to.equal('no name, company, email or phone number');
  });

  it('refuses a file of more than 50,000 cards, saying the limit and what to do', async () => {
    expect(MAX_CONTACTS_PER_IMPORT).to.equal(50_000);
    const error = await refusal(parseVCards('BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n'.repeat(100_000), {}));
    expect(error.name).to.equal('InvalidArgument');
    expect(error.message).to.match(/more than 50,000 contacts.*Split the file/);
  });

  it('takes exactly 50,000 cards', async function () {
    this.timeout(30_000);
    const { contacts } = await parseVCards('BEGIN:VCARD\nFN:x\nTEL:1002\nEND:VCARD\n'.repeat(50_000), {});
    expect(contacts).to.have.length(50_000);
  });

  it('steps over a 50 MB photo and a 10 MB line in bounded time, skipping the card whose name is the long line', async function () {
    this.timeout(30_000);
    const photo = `BEGIN:VCARD\nFN:Has Photo\nPHOTO;ENCODING=b:${'A'.repeat(50_000_000)}\nTEL:+12025550147\nEND:VCARD\n`;
    const long = `BEGIN:VCARD\nFN:${'x'.repeat(10_000_000)}\nEND:VCARD\n`;
    const folded = `BEGIN:VCARD\nFN:start${'\n y'.repeat(1_000_000)}\nEND:VCARD\n`;
    const started = performance.now();
    const { contacts, skipped } = await parseVCards(photo + long + folded, {});
    expect(performance.now() - started).to.be.below(10_000);
    expect(contacts).to.deep.equal([person({ name: 'Has Photo', phones: [{ number: '+12025550147' }] })]);
    expect(skipped).to.deep.equal([
      { index: 1, reason: `its FN line is longer than ${MAX_LINE_CHARS} characters` },
      { index: 2, reason: `its FN line is longer than ${MAX_LINE_CHARS} characters` },
    ]);
  });

  it('stops a list at its limit however many lines a card repeats', async () => {
    const card = `BEGIN:VCARD\nFN:Spam\n${'EMAIL:a@example.com\nEMAIL:b@example.com\n'.repeat(1)}${Array.from({ length: 100_000 }, (_, i) => `EMAIL:${i}@example.com\n`).join('')}END:VCARD\n`;
    const { skipped } = await parseVCards(card, {});
    expect(skipped).to.deep.equal([{ index: 0, reason: 'Spam: emails: a list of at most 20 email addresses' }]);
  });

  it('reads back what it writes: vCard 4.0, folded at 75 octets, escapes, labels, extensions, favourites', async () => {
    const tricky: ContactInput[] = [
      person({ name: 'Zoë; Comma, Back\\slash', company: 'A;B,C\\D', title: 'Ünïcödé 👩‍👩‍👧‍👦', emails: ['z@example.com', 'zoe@example.org'], favourite: true }),
      person({ name: '漢字'.repeat(100), phones: [{ number: '+12015550123;ext=45', type: 'Front desk' }, { number: '1002', type: 'work' }, { number: '*97' }, { number: '+442079460123', type: 'fax' }] }),
    ];
    const files = await Promise.all(['iphone-3.0.vcf', 'android-2.1-qp.vcf', 'vcard-4.0.vcf', 'awkward.vcf'].map(fixture));
    const imported = (await Promise.all(files.map((f) => parseVCards(f, { defaultCountry: 'US' })))).flatMap((r) => r.contacts);
    const all = [...tricky, ...imported];
    const written = writeVCards(all);
    for (const line of written.split('\r\n')) expect(new TextEncoder().encode(line).length).to.be.at.most(75);
    expect(written).to.match(/^BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë\\; Comma\\, Back\\\\slash\r\n/);
    expect(written).to.include('TEL;VALUE=uri;TYPE=fax:tel:+442079460123');
    expect(written).to.include('item1.X-ABLabel:Front desk');
    expect((await parseVCards(written, { defaultCountry: 'US' })).contacts).to.deep.equal(all);
  });

  it('writes a stored contact\'s id as its UID and its time as REV', () => {
    const id = crypto.randomUUID();
    const written = writeVCards([{ ...person({ name: 'Stored' }), id, updatedAt: Date.UTC(2024, 4, 1, 12, 30) }]);
    expect(written).to.include(`UID:urn:uuid:${id}\r\n`);
    expect(written).to.include('REV:20240501T123000Z\r\n');
  });
});

describe('CSV import', () => {
  it("reads Google Contacts' export: names from parts, several numbers in one cell, labels, starred, quoted line breaks", async () => {
    const { contacts, skipped } = await parseContactsCsv(await fixture('google.csv'), { defaultCountry: 'FR' });
    expect(contacts).to.deep.equal([
      person({
        name: 'Jane Doe',
        company: 'Acme Corp',
        title: 'Head of Sales',
        emails: ['jane.doe@acme.example', 'jane@home.example'],
        phones: [{ number: '+12025550147', type: 'mobile' }, { number: '+12025550100', type: 'work' }, { number: '+12025550101', type: 'work' }],
        favourite: true,
      }),
      person({ name: 'Dr. Émile Zola Jr.', phones: [{ number: '+33123456789', type: 'home' }] }),
      person({ name: 'Smith, Jones & Co', company: 'Smith, Jones & Co', emails: ['info@smithjones.example'], phones: [{ number: '+442079460000', type: 'main' }] }),
      person({
        name: 'Ravi Patel',
        company: 'Globex',
        phones: [{ number: '+12015550123;ext=45', type: 'Office' }, { number: '+12015550199', type: 'fax' }, { number: '1002', type: 'pager' }],
      }),
    ]);
    expect(skipped).to.deep.equal([{ index: 4, reason: 'no name, company, email or phone number' }]);
  });

  it("reads Google's older export (Name, Given Name, Phone 1 - Type, Group Membership)", async () => {
    const { contacts } = await parseContactsCsv(await fixture('google-legacy.csv'), {});
    expect(contacts).to.deep.equal([
      person({
        name: 'Maria Garcia',
        company: 'Initech',
        title: 'CFO',
        emails: ['maria@example.org'],
        phones: [{ number: '+34612345678', type: 'mobile' }, { number: '+34911234567', type: 'work' }, { number: '+34911234568', type: 'work' }],
        favourite: true,
      }),
    ]);
  });

  it("reads Outlook's export: Title as the name's prefix, Job Title, phone columns as types, Exchange addresses passed over", async () => {
    const { contacts, skipped } = await parseContactsCsv(await fixture('outlook.csv'), { defaultCountry: 'US' });
    expect(skipped).to.deep.equal([]);
    expect(contacts).to.deep.equal([
      person({
        name: 'Mr. John Smith',
        company: 'Contoso Ltd.',
        title: 'Buyer',
        emails: ['john.smith@contoso.example'],
        phones: [{ number: '+14255550101', type: 'fax' }, { number: '+14255550100', type: 'work' }, { number: '+14255550199', type: 'mobile' }],
      }),
      person({ name: 'Ana Lima', company: 'Fabrikam', emails: ['ana@fabrikam.example'], phones: [{ number: '+551134567890', type: 'assistant' }, { number: '+5511912345678', type: 'car' }] }),
    ]);
  });

  it('detects the semicolons of European Excel and reads a BOM', async () => {
    const { contacts } = await parseContactsCsv(await fixture('excel-semicolon.csv'), { defaultCountry: 'DE' });
    expect(contacts).to.deep.equal([
      person({ name: 'Hans Müller', company: 'Müller, Schmidt & Partner', emails: ['hans@example.de'], phones: [{ number: '+49301234567', type: 'work' }] }),
      person({ name: 'Jürgen Weiß', company: 'Bäckerei; Konditorei', phones: [{ number: '+4915123456789', type: 'mobile' }] }),
    ]);
  });

  it('reads quoted commas, doubled quotes, line breaks in quotes, headers in any case, blank rows and short rows', async () => {
    const { contacts, skipped } = await parseContactsCsv(await fixture('awkward.csv'), {});
    expect(contacts).to.deep.equal([
      person({
        name: 'O\'Brien, Pat Quoted "Nick" Name',
        company: 'Acme',
        emails: ['pat@example.com', 'pat2@example.com'],
        phones: [{ number: '+353851234567', type: 'mobile' }, { number: '+35312345678', type: 'mobile' }],
      }),
      person({ name: 'Lena', company: 'Multi Line Inc.' }),
      person({ name: 'Kurt' }),
    ]);
    expect(skipped).to.deep.equal([]);
  });

  it('keeps markup and formulas as text, drops control characters, and skips an overlong name', async () => {
    const { contacts, skipped } = await parseContactsCsv(await fixture('hostile.csv'), {});
    expect(contacts.map((c) => [c.name, c.company])).to.deep.equal([
      ['<img src=x onerror=alert(1)> <script>alert(2)</script>', '=HYPERLINK("http://evil.example","click")'],
      ['Bell E Reversed', undefined],
      ["=cmd|' /C calc'!A0", undefined],
    ]);
    expect(contacts[2]!.phones).to.deep.equal([{ number: '+12025550150' }]);
    expect(skipped).to.have.length(1);
    expect(skipped[0]).to.include({ index: 2 });
    expect(skipped[0]!.reason).to.match(/name: at most 200 characters/);
  });

  it('refuses a file with no column it can read, and one of more than 50,000 rows', async () => {
    const unknown = await refusal(parseContactsCsv('Vorname,Nachname,Telefon\nHans,Müller,030 1234567\n', {}));
    expect(unknown.name).to.equal('InvalidArgument');
    expect(unknown.message).to.match(/names no column of names, phone numbers or emails/);
    const many = await refusal(parseContactsCsv(`Name,Phone\n${'x,1002\n'.repeat(50_001)}`, {}));
    expect(many.name).to.equal('InvalidArgument');
    expect(many.message).to.match(/more than 50,000 contacts/);
  });

  it('reads a 10 MB quoted cell and a row of a million cells in bounded time', async function () {
    this.timeout(30_000);
    const text = `Name,Notes,Phone\nBig Note,"${'a,"" '.repeat(2_000_000)}",+12025550147\nWide,${','.repeat(1_000_000)}\n`;
    const started = performance.now();
    const { contacts } = await parseContactsCsv(text, {});
    expect(performance.now() - started).to.be.below(10_000);
    expect(contacts).to.deep.equal([person({ name: 'Big Note', phones: [{ number: '+12025550147' }] }), person({ name: 'Wide' })]);
  });

  it("writes Google's layout, guards formulas, and reads back what it wrote", async () => {
    const files = await Promise.all(['google.csv', 'google-legacy.csv', 'outlook.csv', 'excel-semicolon.csv', 'awkward.csv', 'hostile.csv'].map(fixture));
    const imported = (await Promise.all(files.map((f) => parseContactsCsv(f, { defaultCountry: 'US' })))).flatMap((r) => r.contacts);
    const tricky = person({ name: '@SUM(1+1)', company: '-2+3', title: 'Line "one"', emails: ['a@example.com'], phones: [{ number: '+12015550123;ext=45', type: 'Front desk' }, { number: '*97' }], favourite: true });
    const all = [...imported, tricky];
    const written = writeContactsCsv(all);
    expect(written.split('\r\n')[0]).to.match(/^First Name,Middle Name,Last Name,.*,Labels,E-mail 1 - Label,E-mail 1 - Value,.*Phone 1 - Label,Phone 1 - Value/);
    expect(written).to.include("'@SUM(1+1),");
    expect(written).to.include(",'-2+3,");
    expect(written).to.include(',Mobile,+12025550147');
    expect((await parseContactsCsv(written, { defaultCountry: 'US' })).contacts).to.deep.equal(all);
  });
});
