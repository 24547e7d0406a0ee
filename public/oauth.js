// Google's consent page redirects here with the answer in the URL fragment (#access_token=…&state=…, or
// #error=…). It goes to the Patchbay tab that asked, on a same-origin channel, and leaves this page's
// address and history at once; the hub checks the state and keeps the token in memory only.
(() => {
  const fragment = location.hash.slice(1);
  history.replaceState(null, '', location.pathname);
  const status = document.getElementById('status');
  if (!fragment) {
    status.textContent = 'Nothing to do here: open Patchbay and choose "Connect Gmail".';
    return;
  }
  const channel = new BroadcastChannel('patchbay-oauth');
  channel.postMessage({ fragment });
  channel.close();
  status.textContent = 'Done: you can close this window.';
  window.close();
})();
