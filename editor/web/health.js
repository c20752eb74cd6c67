// Health checks: the store's checks, the state healthstate.json forces,
// and, with --health-from, each check's live state on a running server,
// asked every 5 s while the page is visible.
import { html, useEffect, useState } from './vendor/htm-preact.mjs';
import { api } from './api.js';

export function HealthChecks({ checks, live }) {
  const [states, setStates] = useState(null); // {ID: healthy}
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!live) return;
    const ask = async () => {
      if (document.hidden) return;
      const r = await api('GET', 'health', undefined, {}, { quiet: true });
      if (r.status === 200) { setStates(r.data.states); setError(null); } else setError(r.data.error);
    };
    ask();
    const id = setInterval(ask, 5000);
    return () => clearInterval(id);
  }, [live]);

  return html`<section class="checks"><h2>Health checks</h2>
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
