// trafficflow editor: the page. State lives in App; the document being
// edited is plain JSON (doc.js), drawn by tree.js, edited by props.js,
// checked, simulated and mapped by the server (api.js).
import { html, render, useEffect, useMemo, useRef, useState } from './vendor/htm-preact.mjs';
import { api, setToken } from './api.js';
import * as D from './doc.js';
import { Tree, pathOf } from './tree.js';
import { Props, Select, Text, Message, Problem } from './props.js';
import { WorldMap } from './map.js';
import { Records } from './records.js';
import { HealthChecks } from './health.js';
import { Simulate } from './simulate.js';

// useDebounced returns value once it has stopped changing for ms.
function useDebounced(value, ms) {
  const [v, setV] = useState(value);
  useEffect(() => { const t = setTimeout(() => setV(value), ms); return () => clearTimeout(t); }, [value]);
  return v;
}

function Policies({ store, open, onOpen, onNewVersion, onDelete, onNewPolicy }) {
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ name: '', type: 'A', format: '2023-05-09' });
  return html`<section class="policies">
    <h2>Policies <button class="small" name="new-policy" onClick=${() => setCreating(!creating)}>New policy</button></h2>
    ${creating && html`<div class="new-policy">
      <label>Name <${Text} name="policy-name" value=${form.name} onChange=${v => setForm({ ...form, name: v })} /></label>
      <label>Record type <${Select} name="policy-type" value=${form.type} options=${['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'CAA', 'NAPTR', 'PTR', 'SPF', 'SSHFP', 'TLSA', 'SVCB', 'HTTPS']}
        onChange=${v => setForm({ ...form, type: v })} /></label>
      <label>Format <${Select} name="policy-format" value=${form.format} options=${D.FORMATS} onChange=${v => setForm({ ...form, format: v })} /></label>
      <button name="create-policy" disabled=${!form.name} onClick=${() => { onNewPolicy(form); setCreating(false); }}>Start drawing</button>
    </div>`}
    <ul>
      ${store.policies.map(p => html`<li class="policy">
        <div class="policy-name"><b>${p.name}</b>
          <button class="small" name="new-version" data-policy=${p.name} title="A new version from the latest one"
            onClick=${() => onNewVersion(p.name, p.versions[p.versions.length - 1].version)}>new version</button></div>
        <ul>${p.versions.map(v => html`<li class=${'version' + (open?.policy === p.name && open?.version === v.version ? ' open' : '')}>
          <a href="#" data-policy=${p.name} data-version=${v.version} onClick=${e => { e.preventDefault(); onOpen(p.name, v.version); }}>
            v${v.version}</a> <span class="type">${v.type}</span>
          ${v.comment && html` <span class="comment">${v.comment}</span>`}
          ${v.records.length ? html`<div class="users">used by ${v.records.join(', ')}</div>` : ''}
          ${v.deletable && html`<button class="small link" name="delete-version" title="Delete this version (no record uses it)"
            onClick=${() => onDelete(p.name, v.version)}>delete</button>`}
        </li>`)}</ul>
      </li>`)}
    </ul>
  </section>`;
}

function JsonView({ doc, onChange }) {
  const text = useMemo(() => JSON.stringify(doc, null, 2), [doc]);
  const [draft, setDraft] = useState(null); // what the user typed, kept as typed
  const [error, setError] = useState(null);
  const mine = useRef(null); // the document the typing made
  // A change from elsewhere (the drawing, the properties) replaces the text.
  useEffect(() => { if (JSON.stringify(doc) !== mine.current) { setDraft(null); setError(null); } }, [text]);
  const input = e => {
    const t = e.target.value;
    setDraft(t);
    try {
      const d = JSON.parse(t);
      if (!d || typeof d !== 'object' || Array.isArray(d)) throw new Error('a document is a JSON object');
      setError(null);
      mine.current = JSON.stringify(d);
      onChange(d);
    } catch (err) { setError(err.message); }
  };
  return html`<div class="json">
    <textarea name="json" spellcheck="false" value=${draft ?? text} onInput=${input}></textarea>
    ${error && html`<p class="error">Not applied: ${error}</p>`}
  </div>`;
}

function App() {
  const [store, setStore] = useState(null);
  const [geodata, setGeodata] = useState(null);
  const [names, setNames] = useState({});
  const [auth, setAuth] = useState(false);
  // open: {policy, version (null for a new policy), comment, doc, draft, from}
  const [open, setOpen] = useState(null);
  const [selected, setSelected] = useState(null);
  const [check, setCheck] = useState(null);
  const [explanation, setExplanation] = useState(null);
  const [mapData, setMapData] = useState(null);
  const [view, setView] = useState('tree');
  const [panel, setPanel] = useState('props');
  const [msg, setMsg] = useState(null);
  const [client, setClient] = useState(null);
  const [wide, setWide] = useState(false); // the sidebar hidden, for a large tree or map
  useEffect(() => { document.getElementById('app').classList.toggle('wide', wide); }, [wide]);

  const storeTag = useRef(null); // the ETag of the store shown
  const storeCalls = useRef(0); // a reply to an earlier call than the last is stale
  const loadStore = async () => {
    const n = ++storeCalls.current;
    const r = await api('GET', 'store');
    if (n !== storeCalls.current) return;
    if (r.status === 401) { setAuth(true); return; }
    if (r.status !== 200) { setMsg({ kind: 'error', text: r.data.error }); return; }
    storeTag.current = document.body.dataset.storeTag = r.etag;
    setStore(r.data);
  };
  // Live refresh: while the page is visible it asks every 2 s whether the
  // store changed on disk (another editor, a deployment, a hand edit), and
  // shows the new one. Drafts are not touched; an edited records.json
  // keeps its edits, and saving them tells if the file changed meanwhile.
  useEffect(() => {
    const id = setInterval(async () => {
      if (document.hidden || !storeTag.current) return;
      const n = ++storeCalls.current;
      const r = await api('GET', 'store', undefined, { 'If-None-Match': storeTag.current }, { quiet: true });
      if (n === storeCalls.current && r.status === 200 && r.etag !== storeTag.current) {
        storeTag.current = document.body.dataset.storeTag = r.etag;
        setStore(r.data);
      }
    }, 2000);
    return () => clearInterval(id);
  }, []);
  const loadAll = () => {
    loadStore();
    api('GET', 'geodata').then(r => r.status === 200 && setGeodata(r.data));
  };
  useEffect(() => {
    loadAll();
    fetch('vendor/iso-names-en.json').then(r => r.json()).then(j =>
      setNames(Object.fromEntries(Object.entries(j.countries).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]))));
  }, []);
  useEffect(() => { if (store && geodata) document.body.dataset.ready = '1'; }, [store, geodata]);

  const docText = open ? JSON.stringify(open.doc) : '';
  const settled = useDebounced(docText, 150);
  useEffect(() => {
    if (!settled) return;
    let live = true;
    api('POST', 'validate', settled).then(r => live && setCheck({ ...r.data, forDoc: settled }));
    return () => { live = false; };
  }, [settled]);
  useEffect(() => {
    if (!settled || view !== 'map' || !check?.valid || check.forDoc !== settled) return;
    api('POST', 'map', `{"Document": ${settled}}`).then(r => r.status === 200 && setMapData({ ...r.data, forDoc: settled }));
  }, [settled, view, check]);

  const g = useMemo(() => open && D.graph(open.doc), [docText]);
  const current = check && check.forDoc === docText;
  const labels = useMemo(() => current && check.graph &&
    Object.fromEntries(check.graph.edges.filter(e => e.path).map(e => [e.path, e.label])), [check, docText]);
  const problems = useMemo(() => {
    const m = new Map();
    if (!g || !check) return m;
    for (const p of check.problems) {
      const o = D.owner(g, p.path || '');
      const id = o ? (o.key || o.id) : 'start';
      (m.get(id) || m.set(id, []).get(id)).push(p);
    }
    return m;
  }, [g, check]);

  const openVersion = async (policy, version, asDraft) => {
    const r = await api('GET', `policies/${encodeURIComponent(policy)}/${version}`);
    if (r.status !== 200) { setMsg({ kind: 'error', text: r.data.error }); return; }
    setOpen({ policy, version, comment: asDraft ? '' : r.data.Comment, doc: r.data.Document, draft: !!asDraft, from: version });
    setSelected(null); setExplanation(null); setMapData(null); setMsg(null);
  };
  // Every change of the document is a step that undo takes back (a field
  // commits on change, so a step is a field's new value, a connection, a
  // rename, a deletion, a parsed edit of the JSON).
  const step = o => ({ doc: o.doc, draft: o.draft, comment: o.comment });
  const change = (doc) => {
    setOpen(o => ({ ...o, doc, draft: true, comment: o.draft ? o.comment : '',
      past: [...(o.past || []).slice(-199), step(o)], future: [] }));
  };
  const undo = () => setOpen(o => o?.past?.length
    ? { ...o, ...o.past.at(-1), past: o.past.slice(0, -1), future: [...(o.future || []), step(o)] } : o);
  const redo = () => setOpen(o => o?.future?.length
    ? { ...o, ...o.future.at(-1), future: o.future.slice(0, -1), past: [...(o.past || []), step(o)] } : o);
  // Ctrl+Z (⌘Z) undoes, Ctrl+Shift+Z or Ctrl+Y redoes, outside form fields
  // (which undo their own typing).
  useEffect(() => {
    const onKey = e => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.target.closest?.('input, textarea, select')) return;
      const k = e.key.toLowerCase();
      if (k === 'z' && !e.shiftKey) { e.preventDefault(); undo(); }
      else if (k === 'y' || k === 'z') { e.preventDefault(); redo(); }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  const save = async () => {
    const r = await api('POST', `policies/${encodeURIComponent(open.policy)}/versions`,
      JSON.stringify({ Comment: open.comment || '', Document: open.doc }, null, 2) + '\n');
    if (r.status !== 201) { setMsg({ kind: 'error', text: r.data.error, problems: r.data.problems }); return; }
    setMsg({ kind: 'ok', text: `Saved ${r.data.File}: version ${r.data.Version} of ${open.policy}. Bind a record to it under Records.` });
    await loadStore();
    setOpen(o => ({ ...o, version: r.data.Version, draft: false, from: r.data.Version, past: [], future: [] }));
  };
  const remove = async (policy, version) => {
    if (!confirm(`Delete version ${version} of ${policy}? Its file is removed from the store.`)) return;
    const r = await api('DELETE', `policies/${encodeURIComponent(policy)}/${version}`);
    setMsg(r.status === 200 ? { kind: 'ok', text: `Deleted ${r.data.Deleted}.` } : { kind: 'error', text: r.data.error, problems: r.data.problems });
    if (r.status === 200 && open?.policy === policy && open?.version === version) setOpen(null);
    loadStore();
  };

  if (auth) return html`<${TokenForm} onToken=${t => { setToken(t); setAuth(false); loadAll(); }} />`;
  if (!store || !geodata) return html`<p class="loading">Loading the store…</p>`;

  const usedBy = open && store.policies.find(p => p.name === open.policy)?.versions.find(v => v.version === open.version)?.records || [];
  const link = explanation && explanation.forDoc === docText ? (explanation.data.links || []).findIndex(l =>
    l.name === 'simulated.invalid.' || l.record.policy === open.policy && l.record.version === open.version) : -1;
  const path = link >= 0 ? pathOf(explanation.data, link) : null;
  const ctx = { geodata, names, checks: store.healthChecks, problems, selected, onChange: change, onSelect: setSelected };

  return html`
    <header>
      <h1>trafficflow editor</h1>
      <span class="store" title=${store.dir}>${store.dir.replace(/\/+$/, '').split('/').pop()}: ${store.summary}</span>
      <span class=${'badge ' + (store.valid ? 'valid' : 'invalid')}>${store.valid ? 'valid' : 'invalid'}</span>
      <button class="small reload" name="toggle-sidebar" onClick=${() => setWide(!wide)}>${wide ? 'Show the store' : 'Hide the store'}</button>
      <button class="small" name="reload" title="Read the store again (it may have changed on disk)" onClick=${loadStore}>Reload</button>
    </header>
    <aside class="sidebar">
      <${Policies} store=${store} open=${open} onOpen=${openVersion} onNewVersion=${(p, v) => openVersion(p, v, true)} onDelete=${remove}
        onNewPolicy=${f => { setOpen({ policy: f.name, version: null, comment: '', doc: D.newDocument(f.type, f.format), draft: true }); setSelected('start'); setPanel('props'); }} />
      <${Records} store=${store} storeTag=${storeTag.current} onSaved=${loadStore} setMsg=${setMsg} />
      <${HealthChecks} checks=${store.healthChecks} live=${store.options.healthFrom} />
      <section class="store-problems"><h2>Problems</h2>
        ${store.problems.length ? html`<ul class="problems">${store.problems.map(p => html`<${Problem} p=${p} />`)}</ul>` : html`<p class="hint">None.</p>`}</section>
    </aside>
    <main>
      <${Message} msg=${msg} onClose=${() => setMsg(null)} />
      ${open ? html`
        <div class="toolbar">
          <span class="title">${open.draft ? html`<b>${open.policy}</b>: new version${open.from ? ` from v${open.from}` : ''}`
            : html`<b>${open.policy}</b> v${open.version}${open.comment ? ' — ' + open.comment : ''}`}</span>
          ${open.draft ? html`
            <label class="comment">Comment <${Text} name="comment" value=${open.comment} onChange=${v => setOpen(o => ({ ...o, comment: v }))} /></label>
            <button name="save" class="primary" disabled=${!current || !check.valid} onClick=${save}
              title=${current && !check.valid ? 'Fix the errors first' : 'Write policies/NAME/N.json'}>Save as new version</button>
            ${open.from && html`<button name="discard" onClick=${() => openVersion(open.policy, open.from)}>Discard</button>`}`
            : html`<span class="users">${usedBy.length ? 'used by ' + usedBy.join(', ') : 'not used by any record'}</span>`}
          <span class=${'validity ' + (current ? (check.valid ? 'valid' : 'invalid') : 'checking')}>${current
            ? (check.valid ? 'valid' : `${check.problems.filter(p => p.severity === 'error').length} error(s)`) : 'checking…'}</span>
          <span class="history">
            <button class="small" name="undo" disabled=${!open.past?.length} title="Undo the last change (Ctrl+Z)" onClick=${undo}>Undo</button>
            <button class="small" name="redo" disabled=${!open.future?.length} title="Redo (Ctrl+Shift+Z)" onClick=${redo}>Redo</button>
          </span>
          <span class="tabs">
            <button class=${view === 'tree' ? 'on' : ''} name="view-tree" onClick=${() => setView('tree')}>Tree</button>
            <button class=${view === 'map' ? 'on' : ''} name="view-map" onClick=${() => setView('map')}>Map</button>
          </span>
        </div>
        ${view === 'tree' ? html`<${Tree} g=${g} labels=${labels} problems=${problems} path=${path} selected=${selected} onSelect=${setSelected} />`
          : current && !check.valid ? html`<p class="welcome">The map needs a valid document: fix its errors first.</p>`
          : html`<${WorldMap} data=${mapData?.forDoc === settled ? mapData : null} names=${names} client=${client?.Latitude !== undefined ? client : null}
              onPick=${loc => { setClient({ ...loc, picked: true }); setPanel('simulate'); }} />`}`
      : html`<div class="welcome"><h2 title=${store.dir}>${store.dir}</h2><p>Pick a version on the left to draw it, or start a new policy.</p></div>`}
    </main>
    ${open && html`<aside class="panel">
      <div class="tabs">
        ${[['props', 'Properties'], ['simulate', 'Simulate'], ['json', 'JSON']].map(([k, l]) =>
          html`<button class=${panel === k ? 'on' : ''} name=${'panel-' + k} onClick=${() => setPanel(k)}>${l}</button>`)}
      </div>
      ${panel === 'props' && html`<${Props} doc=${open.doc} selected=${selected} ctx=${ctx} />`}
      ${panel === 'simulate' && html`<${Simulate} open=${open} usedBy=${usedBy} store=${store} geodata=${geodata} names=${names}
        valid=${current && check.valid} docText=${docText} client=${client} setClient=${setClient}
        explanation=${explanation?.forDoc === docText ? explanation.data : null} onExplained=${data => setExplanation({ data, forDoc: docText })} />`}
      ${panel === 'json' && html`<${JsonView} doc=${open.doc} onChange=${change} />`}
    </aside>`}`;
}

function TokenForm({ onToken }) {
  const [t, setT] = useState('');
  return html`<div class="welcome"><h2>This editor needs its token</h2>
    <p>It was started with <code>--token FILE</code>: paste the token from that file.</p>
    <input type="password" name="token" value=${t} onInput=${e => setT(e.target.value)} />
    <button onClick=${() => onToken(t)}>Continue</button></div>`;
}

render(html`<${App} />`, document.getElementById('app'));
