// A demo CRM for the Patchbay panel: it looks the caller's number (or a looked-up name, company or
// email) up in its own small directory and writes what it knows into the call record. Every other app
// in the panel is told which fields it wrote.
import { loadSdk } from '../panel.js';

/** The CRM's own data: in a real CRM, an API call. */
const DIRECTORY = [
  { id: 'c-1', number: '+441632960123', name: 'Ada Lovelace', title: 'Chief Analyst', company: 'Analytical Engines Ltd', email: 'ada@analytical.example' },
  { id: 'c-2', number: '+12025550147', name: 'Grace Hopper', title: 'Rear Admiral', company: 'Compiler Works', email: 'grace@compilers.example' },
  { id: 'c-3', number: '1002', name: 'Charles Babbage', title: 'Inventor', company: 'Analytical Engines Ltd', email: 'charles@analytical.example' },
  { id: 'c-4', number: '1003', name: 'Katherine Johnson', title: 'Mathematician', company: 'Orbital Mechanics Inc', email: 'katherine@orbits.example' },
  { id: 'c-5', number: '+33123456789', name: 'Marie Curie', title: 'Director', company: 'Radium Institute', email: 'marie@radium.example' },
];

const digits = (s) => String(s ?? '').replace(/[^\d+]/g, '');

/** Finds a contact for a call: by number, else by what a lookup gave (name, email, company). */
function find(call) {
  const n = digits(call.remote?.number);
  if (n) {
    const hit = DIRECTORY.find((c) => c.number === n || (n.length >= 7 && c.number.endsWith(n.replace(/^0+/, ''))));
    if (hit) return hit;
  }
  const c = call.contact ?? {};
  const lc = (s) => String(s ?? '').trim().toLowerCase();
  return DIRECTORY.find((d) => (c.email && lc(d.email) === lc(c.email)) || (c.name && lc(d.name) === lc(c.name)))
    ?? (c.company ? DIRECTORY.find((d) => lc(d.company) === lc(c.company)) : undefined);
}

const status = document.querySelector('.status');
const section = document.querySelector('[aria-label="Caller card"]');

/** Renders a card with text only: whatever a call record holds is never parsed as HTML. */
function showCard(call, contact) {
  const card = document.createElement('div');
  card.className = 'card';
  const line = (text, cls) => {
    const div = document.createElement('div');
    if (cls) div.className = cls;
    div.textContent = text;
    card.append(div);
  };
  if (contact) {
    line(contact.name, 'name');
    line(`${contact.title}, ${contact.company}`);
    line(contact.email, 'muted');
  } else {
    line(call.contact?.name || call.remote?.displayName || call.remote?.number || 'Unknown caller', 'name');
    line('Not in the CRM', 'muted');
  }
  section.replaceChildren(card);
}

try {
  const { connect } = await loadSdk();
  const pb = await connect();
  status.textContent = `Connected as ${pb.app.id}`;

  for (const contact of DIRECTORY) {
    const li = document.createElement('li');
    li.textContent = `${contact.name} (${contact.company}) `;
    if (pb.app.grants.includes('dial')) {
      const button = document.createElement('button');
      button.textContent = 'Call';
      button.setAttribute('aria-label', `Call ${contact.name}`);
      button.addEventListener('click', () => pb.phone.dial(contact.number).catch((e) => (status.textContent = e.message)));
      li.append(button);
    }
    document.querySelector('#directory').append(li);
  }

  await pb.calls.subscribe(async (event) => {
    if (!['current', 'created', 'opened', 'updated'].includes(event.type)) return;
    const { call } = event;
    const contact = find(call);
    if (event.type !== 'updated' || contact) showCard(call, contact);
    if (!contact) return;
    // Writing what is already there changes nothing and tells nobody: no loops between apps.
    try {
      await pb.calls.patch(call.id, {
        'contact.name': contact.name,
        'contact.title': contact.title,
        'contact.company': contact.company,
        'contact.email': contact.email,
        [`apps.${pb.app.id}.contactId`]: contact.id,
      });
    } catch (error) {
      status.textContent = `${error.name}: ${error.message}`;
      status.dataset.state = 'error';
    }
  });
} catch (error) {
  status.textContent = `${error.name}: ${error.message}`;
  status.dataset.state = 'error';
}
