// Where the demo apps find the Patchbay SDK: on the phone they serve. A real vendor keeps each
// customer's phone URL in its own configuration; these demos read it from their server's /panel.json.
// Imported from the phone, the SDK's connect() talks to a panel of that origin only, so a page of any
// other origin that frames the app gets nothing.

/** The SDK module, from the phone named in /panel.json (`{ "url": "https://phone.example.com/" }`). */
export async function loadSdk() {
  const response = await fetch('/panel.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`/panel.json: ${response.status}; it names the phone this app is shown in`);
  const { url } = await response.json();
  return import(new URL('sdk/patchbay.js', url).href);
}
