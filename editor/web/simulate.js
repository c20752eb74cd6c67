// Simulate: who asks (an address, an ECS subnet, a place, a point), which
// health checks are up, and the answer with its decision path, from
// POST /api/explain (the query path of trafficflow explain). The tree
// lights the path up.
import { html, useEffect, useState } from './vendor/htm-preact.mjs';
import { api } from './api.js';
import { Select, Text, Message } from './props.js';
import { STATE_NAMES } from './map.js';

// checksOf lists the health checks a document refers to.
function checksOf(doc) {
  const ids = new Set();
  const walk = v => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === 'HealthCheck' && typeof x === 'string' ? ids.add(x) : walk(x);
  };
  walk(doc.Rules);
  return [...ids].sort();
}

function placeOptions(geodata, names) {
  return [{ group: 'Continents', options: Object.entries(geodata.continents).sort().map(([c, n]) => ['C:' + c, n + ' (' + c + ')']) },
    { group: 'Countries', options: Object.keys(geodata.countries).map(c => ['K:' + c, (names[c] || c) + ' (' + c + ')']).sort((a, b) => a[1].localeCompare(b[1])) },
    { group: 'US states', options: geodata.usStates.map(s => ['S:' + s, (STATE_NAMES[s] || s) + ' (US-' + s + ')']) }];
}
const placeOf = c => c?.Subdivision ? 'S:' + c.Subdivision : c?.Country ? 'K:' + c.Country : c?.Continent ? 'C:' + c.Continent : 'K:GB';
const place = v => v.startsWith('C:') ? { Continent: v.slice(2) } : v.startsWith('K:') ? { Country: v.slice(2) } : { Country: 'US', Subdivision: v.slice(2) };

export function Simulate({ open, usedBy: users, store, geodata, names, valid, docText, client, setClient, explanation, onExplained }) {
  // The records that use the version; "NAME (canary 10%)" is NAME.
  const usedBy = [...new Set(users.map(n => n.replace(/ \(canary [^)]*\)$/, '')))];
  const [target, setTarget] = useState(!open.draft && usedBy[0] || '');
  const [kind, setKind] = useState('ecs');
  const [addr, setAddr] = useState('2.2.3.0/24');
  const [health, setHealth] = useState({});
  const [seed, setSeed] = useState(1);
  const [err, setErr] = useState(null);
  useEffect(() => { if (open.draft || !usedBy.includes(target)) setTarget(!open.draft && usedBy[0] || ''); }, [open.policy, open.version, open.draft]);
  useEffect(() => {
    if (!client?.picked) return;
    setKind(client.Latitude !== undefined ? 'coordinates' : 'location');
    run(client.Latitude !== undefined ? 'coordinates' : 'location');
  }, [client]);

  const run = async (k = kind) => {
    const req = { Seed: Number(seed) || 0, Health: health };
    if (target) req.Record = target; else req.Document = JSON.parse(docText);
    if (k === 'address') req.Client = addr.trim();
    if (k === 'ecs') req.ECS = addr.trim();
    if (k === 'location' || k === 'coordinates') {
      const loc = { ...client };
      delete loc.picked;
      req.Location = k === 'location' ? (loc.Country || loc.Continent ? loc : { Country: 'GB' })
        : { Latitude: Number(loc.Latitude ?? 0), Longitude: Number(loc.Longitude ?? 0) };
    }
    const r = await api('POST', 'explain', req);
    if (r.status !== 200) { setErr({ kind: 'error', text: r.data.error, problems: r.data.problems }); return; }
    setErr(null);
    onExplained(r.data);
  };

  const checks = checksOf(open.doc);
  const canRun = target || valid;
  const loc = client || {};
  return html`<div class="simulate">
    <label>Ask for <${Select} name="sim-target" value=${target} onChange=${setTarget}
      options=${[...(open.draft ? [] : usedBy.map(n => [n, 'record ' + n])), ['', 'this document, as a new record']]} /></label>
    <label>Client <${Select} name="sim-kind" value=${kind} onChange=${setKind} options=${[['ecs', 'an ECS client subnet'], ['address', "a resolver's address"],
      ['location', 'a place'], ['coordinates', 'a point (click the map)'], ['none', 'no location data']]} /></label>
    ${(kind === 'ecs' || kind === 'address') && html`<label>${kind === 'ecs' ? 'Subnet' : 'Address'} <${Text} name="sim-addr" value=${addr} onChange=${setAddr} /></label>
      ${!store.options.geoip && html`<p class="hint">Without --geoip, only clients placed at a place or point have a location.</p>`}`}
    ${kind === 'location' && html`<label>Place <${Select} name="sim-place" value=${placeOf(loc)} options=${placeOptions(geodata, names)}
      onChange=${v => setClient(place(v))} /></label>`}
    ${kind === 'coordinates' && html`<label>Latitude <${Text} name="sim-lat" value=${loc.Latitude} onChange=${v => setClient({ Latitude: Number(v), Longitude: loc.Longitude ?? 0 })} /></label>
      <label>Longitude <${Text} name="sim-lon" value=${loc.Longitude} onChange=${v => setClient({ Latitude: loc.Latitude ?? 0, Longitude: Number(v) })} /></label>`}
    ${checks.length > 0 && html`<fieldset><legend>Health checks</legend>${checks.map(id => html`<label>${id} <${Select} name=${'sim-health-' + id}
      value=${health[id] === undefined ? '' : health[id] ? 'up' : 'down'}
      onChange=${v => { const h = { ...health }; if (v) h[id] = v === 'up'; else delete h[id]; setHealth(h); }}
      options=${[['', store.options.healthFrom ? 'as the server sees it' : 'healthy (or healthstate.json)'], ['up', 'force healthy'], ['down', 'force unhealthy']]} /></label>`)}</fieldset>`}
    <label>Seed <${Text} name="sim-seed" type="number" value=${seed} onChange=${setSeed} /></label>
    <button class="primary" name="simulate" disabled=${!canRun} onClick=${() => run()}>Simulate</button>
    ${!canRun && html`<p class="hint">The document needs to be valid to simulate it.</p>`}
    <${Message} msg=${err} onClose=${() => setErr(null)} />
    ${explanation && html`<${Result} ex=${explanation} />`}
  </div>`;
}

function Result({ ex }) {
  const a = ex.answer, c = ex.client;
  return html`<div class="result">
    <h3>Answer: ${a.rcode}${a.records.length ? '' : ', no records'}</h3>
    <ul class="answer">${a.records.map(r => html`<li><code>${r}</code></li>`)}</ul>
    ${a.ecs_scope !== undefined && html`<p>ECS scope /${a.ecs_scope}</p>`}
    ${a.fail_open && html`<p class="warning">Fail-open: no applicable branch was healthy somewhere on the path.</p>`}
    ${a.note && html`<p class="hint">${a.note}</p>`}
    <p>Client: ${c.source}${c.address ? ' ' + c.address : ''}${c.network ? ' (network ' + c.network + ')' : ''}${c.location ? ': ' +
      [c.location.country, c.location.subdivision, c.location.continent].filter(Boolean).join(', ') +
      (c.location.has_coordinates ? ` (${c.location.latitude}, ${c.location.longitude})` : '') : ''}</p>
    ${ex.links.map(l => html`<div class="link">
      <p><b>${l.name}</b>${l.aliases?.length ? ' (alias of ' + l.record.name + ')' : ''}: ${l.record.policy} v${l.record.version}, TTL ${l.record.ttl}</p>
      <ol class="steps">${l.steps.map(s => html`<li><b>${s.rule}</b> (${s.type}): ${s.note}
        <ul>${s.items.map(it => html`<li class=${[it.chosen && 'chosen', !it.healthy && 'unhealthy', !it.applies && 'na'].filter(Boolean).join(' ')}>
          ${it.chosen ? '▶ ' : ''}[${it.index}] ${it.label} → ${it.rule ? 'rule ' + it.rule : 'endpoint ' + it.endpoint}${it.share !== undefined ? `, share ${Math.round(it.share * 1000) / 10}%` : ''}${it.biased_km !== undefined ? `, ${it.biased_km} km biased` : ''}${it.why ? ': ' + it.why : ''}
        </li>`)}</ul></li>`)}</ol>
      <p>Endpoints: ${l.endpoints.join(', ') || 'none'}</p>
    </div>`)}
    ${ex.health?.length ? html`<p>Health: ${ex.health.map(h => `${h.id} ${h.healthy ? 'healthy' : 'unhealthy'} (${h.source})`).join('; ')}</p>` : ''}
  </div>`;
}
