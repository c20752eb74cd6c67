// Calls to the editor's HTTP API. A token (an editor started with --token)
// comes from the page's address once (#token=...) and stays in this tab's
// session storage; it never goes into the address the server sees.

const m = location.hash.match(/token=([^&]+)/);
if (m) {
  sessionStorage.setItem('trafficflow-token', decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname);
}

// pending counts calls in flight (tests wait for it to be 0).
let pending = 0;
export const idle = () => pending === 0;

export function setToken(t) { sessionStorage.setItem('trafficflow-token', t); }

// api makes a call and returns {status, data, etag}; data is the decoded
// JSON body (an error's {error, problems}), or {error} when the server
// could not be reached. A quiet call (a background poll) does not count
// as pending.
export async function api(method, path, body, headers = {}, { quiet = false } = {}) {
  const count = quiet ? 0 : 1;
  pending += count;
  document.body.dataset.busy = pending;
  try {
    const h = { ...headers };
    const token = sessionStorage.getItem('trafficflow-token');
    if (token) h.Authorization = 'Bearer ' + token;
    let payload;
    if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch('api/' + path, { method, headers: h, body: payload });
    const text = await r.text();
    let data;
    try { data = JSON.parse(text); } catch { data = { error: text }; }
    return { status: r.status, data, etag: r.headers.get('ETag'), text };
  } catch (e) {
    return { status: 0, data: { error: 'the editor did not answer: ' + e.message } };
  } finally {
    pending -= count;
    document.body.dataset.busy = pending;
  }
}
