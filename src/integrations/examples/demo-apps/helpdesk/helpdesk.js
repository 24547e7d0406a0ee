// A demo helpdesk for the Patchbay panel. It knows nothing about phone numbers: it waits until another
// app (the CRM) has written the caller's company, then writes the company's open tickets into the call
// record. It keeps the notes the user types in the panel, as a helpdesk would log them.
import { loadSdk } from '../panel.js';

const TICKETS = {
  'analytical engines ltd': [
    { id: 'HD-1042', title: 'Difference engine jams on column 3', priority: 'high' },
    { id: 'HD-1057', title: 'Invoice for punched cards', priority: 'low' },
  ],
  'compiler works': [{ id: 'HD-2001', title: 'COBOL build fails on Mondays', priority: 'normal' }],
  'radium institute': [{ id: 'HD-3303', title: 'Badge reader glows', priority: 'high' }],
};

const status = document.querySelector('.status');
const section = document.querySelector('[aria-label="Open tickets"]');
const notesList = document.querySelector('#notes');
/** Notes kept per call, in this app's own storage (its own origin). */
const kept = new Map(JSON.parse(localStorage.getItem('patchbay-demo-notes') ?? '[]'));

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
}

function showTickets(company, tickets) {
  const card = document.createElement('div');
  card.className = 'card';
  card.append(text('div', company, 'name'));
  if (!tickets.length) card.append(text('div', 'No open tickets', 'muted'));
  const ul = document.createElement('ul');
  for (const t of tickets) ul.append(text('li', `${t.id}: ${t.title} (${t.priority})`));
  card.append(ul);
  section.replaceChildren(card);
}

function showNotes() {
  notesList.replaceChildren(...[...kept.entries()].slice(-5).reverse().map(([, n]) => text('li', `${n.who}: ${n.notes}`)));
}

try {
  const { connect } = await loadSdk();
  const pb = await connect();
  status.textContent = `Connected as ${pb.app.id}`;
  showNotes();
  await pb.calls.subscribe(async (event) => {
    const { call, changed } = event;
    if (event.type === 'closed') return;
    if (changed.includes('notes') && call.notes) {
      kept.set(call.id, { who: call.contact?.name || call.remote?.number || 'Unknown', notes: call.notes });
      localStorage.setItem('patchbay-demo-notes', JSON.stringify([...kept.entries()].slice(-50)));
      showNotes();
    }
    const company = call.contact?.company;
    const relevant = event.type !== 'updated' || changed.includes('contact.company');
    if (!company || !relevant) return;
    const tickets = TICKETS[company.toLowerCase()] ?? [];
    showTickets(company, tickets);
    if (!tickets.length) return;
    try {
      await pb.calls.patch(call.id, {
        ticket: tickets[0].id,
        [`apps.${pb.app.id}.openTickets`]: tickets.map((t) => t.id),
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
