// Health checks: the store's checks, the state healthstate.json forces,
// and, with --health-from, each check's live state on a running server,
// asked every 15 s while the page is visible (each time the server gathers
// all its series, a fraction of a second for a large store), or at once
// with the ↻ button.
import { html, useEffect, useState } from './vendor/htm-preact.mjs';
import { api } from './api.js';

export function HealthChecks({ checks, live }) {
  const [states, setStates] = useState(null); // {ID: healthy}
  const [error, setError] = useState(null);
  const [asked, setAsked] = useState(0); // ↻ asks again (and restarts the interval)
  useEffect(() => {
    if (!live) return;
    const ask = async () => {
      if (document.hidden) return;
      const r = await api('GET', 'health', undefined, {}, { quiet: true });
      if (r.status === 200) { setStates(r.data.states); setError(null); } else setError(r.data.error);
    };
    ask();
    const id = setInterval(ask, 15000);
    return () => clearInterval(id);
  }, [live, asked]);

  return html`<section class="checks"><h2>Health checks
    ${live && html`<button class="small link" name="health-refresh" title="Ask the server for its health states again" onClick=${() => setAsked(n => n + 1)}>↻</button>`}</h2>
    ${error && html`<p class="error">${error}</p>`}
    <ul>${checks.map(c => {
      const up = states?.[c.id];
      const state = !live || error || up === undefined ? 'unknown' : up ? 'healthy' : 'unhealthy';
      return html`<li data-check=${c.id} class=${state}>
        ${live && html`<span class="dot" title=${state === 'unknown' ? 'no live state' : state + ' on the server (--health-from)'}></span>`}
        <code>${c.id}</code> ${c.type}
        ${c.forced && html` <span class="hint">forced ${c.forced} (healthstate.json)</span>`}</li>`;
    })}</ul></section>`;
}
