// Records: records.json as a form. Change a record's version or TTL, run a
// canary (another version for a share of the clients: start, raise,
// promote, abort), add and remove records and aliases, and save with
// If-Match: the server refuses (412) when the file changed since it was
// read. A large file shows a filter and at most PAGE rows at a time (more
// on demand), and beyond CHOICES names a field takes a typed name with
// suggestions instead of a list to pick from: a store of thousands of
// records would otherwise put millions of options in the page.
import { html, useEffect, useState } from './vendor/htm-preact.mjs';
import { api } from './api.js';
import { Select, Text } from './props.js';

const PAGE = 100; // rows shown at a time
const CHOICES = 100; // a longer list of choices is a typed field with suggestions
const SUGGESTIONS = 5000; // names beyond this many get no suggestions

// Choice is a select for a short list, a text field with the list as
// suggestions (a shared datalist) for a long one.
function Choice({ name, value, options, list, onChange }) {
  return options.length <= CHOICES
    ? html`<${Select} name=${name} value=${value} options=${options.includes(value) ? options : [value, ...options]} onChange=${onChange} />`
    : html`<${Text} name=${name} value=${value} list=${list} onChange=${onChange} />`;
}

// shownRows returns the indices of the rows of list to show: the first
// limit that match, and those added in this edit, wherever they are; and
// how many that match are not shown.
function shownRows(list, match, limit, added) {
  const rows = [];
  let matching = 0, hidden = 0;
  list.forEach((x, i) => {
    if (!match(x)) return;
    if (++matching <= limit || added.includes(i)) rows.push(i);
    else hidden++;
  });
  for (const i of added) if (!rows.includes(i) && i < list.length) rows.push(i);
  return { rows, hidden };
}

export function Records({ store, storeTag, onSaved, setMsg }) {
  const [file, setFile] = useState(null); // {content, etag, dirty}
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const [added, setAdded] = useState({ records: [], aliases: [] }); // rows added in this edit
  // synced is the store (its ETag) the form has caught up with: the file
  // read again, or the edits in progress kept.
  const [synced, setSynced] = useState(null);
  const load = async () => {
    const r = await api('GET', 'records');
    // An edit made while the file was loading wins; saving it tells if the file changed.
    setFile(f => f?.dirty ? f : r.status === 200 ? { content: r.data, etag: r.etag, dirty: false } : { error: r.data.error });
  };
  // Rows added are told apart until the file is saved or read again.
  useEffect(() => setAdded({ records: [], aliases: [] }), [file?.etag]);
  useEffect(() => {
    if (file?.dirty) setSynced(storeTag);
    else load().then(() => setSynced(storeTag));
  }, [store]);
  if (!file) return '';
  if (file.error) return html`<section class="records"><h2>Records</h2><p class="error">${file.error}</p></section>`;

  const c = file.content;
  const records = Array.isArray(c.PolicyRecords) ? c.PolicyRecords : [];
  const aliases = Array.isArray(c.Aliases) ? c.Aliases : [];
  const edit = (change, newAdded) => {
    const content = structuredClone(c);
    change(content);
    setFile({ ...file, content, dirty: true });
    if (newAdded) setAdded(newAdded);
  };
  const versions = p => store.policies.find(x => x.name === p)?.versions.map(v => String(v.version)) || [];
  const policies = store.policies.map(p => p.name);
  const names = [...records.map(r => r.Name), ...aliases.map(a => a.Name)];
  const q = filter.trim().toLowerCase();
  const has = s => String(s ?? '').toLowerCase().includes(q);
  const shownRecords = shownRows(records, r => !q || has(r.Name) || has(r.Policy), limit, added.records);
  const shownAliases = shownRows(aliases, a => !q || has(a.Name) || has(a.Target), limit, added.aliases);
  // The rows of a list not shown, and the way to more.
  const more = ({ hidden }, what) => hidden > 0 && html`<p class="hint more" data-list=${what}>
    ${hidden} more ${q ? 'matching ' : ''}${what} not shown: refine the filter, or
    <button class="small link" name="records-more" onClick=${() => setLimit(l => l + PAGE)}>show ${PAGE} more</button></p>`;
  // A removed row shifts the indices after it: what was added is then no longer told apart.
  const remove = (key, i) => edit(x => { x[key].splice(i, 1); }, { records: [], aliases: [] });
  // The newest version of a record's policy other than its own: a canary's first choice.
  const canaryChoice = r => versions(r.Policy).filter(v => v !== String(r.Version)).at(-1);

  const save = async () => {
    const r = await api('PUT', 'records', JSON.stringify(c, null, 2) + '\n', { 'If-Match': file.etag });
    if (r.status === 200) {
      setFile({ content: c, etag: r.etag, dirty: false });
      setMsg({ kind: 'ok', text: 'Saved records.json; servers watching the store apply it at once.' });
      onSaved();
    } else {
      setMsg({ kind: 'error', text: r.data.error, problems: r.data.problems });
    }
  };

  return html`<section class="records" data-synced=${synced}>
    <h2>Records</h2>
    ${c.TrafficPolicyInstances && html`<p class="hint">This records.json also has TrafficPolicyInstances: edit those by hand.</p>`}
    ${records.length + aliases.length > 20 && html`<div class="records-filter">
      <input name="records-filter" type="search" placeholder=${`Filter ${records.length} records and ${aliases.length} aliases by name or policy`}
        value=${filter} onInput=${e => { setFilter(e.target.value); setLimit(PAGE); }} /></div>`}
    ${policies.length > CHOICES && html`<datalist id="tf-policies">${policies.map(p => html`<option value=${p} />`)}</datalist>`}
    ${names.length > CHOICES && names.length <= SUGGESTIONS && html`<datalist id="tf-names">${names.map(n => html`<option value=${n} />`)}</datalist>`}
    <table class="records-table records">
      <thead><tr><th>Name</th><th>Policy</th><th title="Version">Ver.</th><th>TTL</th><th></th></tr></thead>
      <tbody>${shownRecords.rows.map(i => [records[i], i]).map(([r, i]) => html`<tr data-record=${r.Name}>
        <td><${Text} name="rec-name" value=${r.Name} onChange=${v => edit(x => { x.PolicyRecords[i].Name = v; })} />
          ${!r.Canary && canaryChoice(r) && html`<button class="small link" name="rec-canary-add" title="Answer a share of the clients from another version of the policy"
            onClick=${() => edit(x => { x.PolicyRecords[i].Canary = { Version: Number(canaryChoice(r)), Percent: 5 }; })}>+ canary</button>`}</td>
        <td><${Choice} name="rec-policy" value=${r.Policy} options=${policies} list="tf-policies"
          onChange=${v => edit(x => { x.PolicyRecords[i].Policy = v; x.PolicyRecords[i].Version = Number(versions(v).at(-1)); delete x.PolicyRecords[i].Canary; })} /></td>
        <td><${Select} name="rec-version" value=${String(r.Version)} options=${versions(r.Policy).includes(String(r.Version)) ? versions(r.Policy) : [String(r.Version), ...versions(r.Policy)]}
          onChange=${v => edit(x => { x.PolicyRecords[i].Version = Number(v); })} /></td>
        <td><${Text} name="rec-ttl" type="number" min="0" value=${r.TTL} onChange=${v => edit(x => { x.PolicyRecords[i].TTL = Number(v); })} /></td>
        <td><button class="small link" name="rec-remove" title="Remove this record" onClick=${() => remove('PolicyRecords', i)}>×</button></td>
      </tr>${r.Canary && html`<tr class="canary" data-canary=${r.Name}><td colspan="5">
        <span class="hint">canary</span> v<${Select} name="rec-canary-version" value=${String(r.Canary.Version)}
          options=${versions(r.Policy).includes(String(r.Canary.Version)) ? versions(r.Policy) : [String(r.Canary.Version), ...versions(r.Policy)]}
          onChange=${v => edit(x => { x.PolicyRecords[i].Canary.Version = Number(v); })} />
        <span class="hint">for</span> <${Text} name="rec-canary-percent" type="number" min="0" max="100" step="any" value=${r.Canary.Percent}
          onChange=${v => edit(x => { x.PolicyRecords[i].Canary.Percent = Number(v); })} />%
        <button class="small" name="rec-canary-promote" title="Make the canary's version the record's version, for every client"
          onClick=${() => edit(x => { const rec = x.PolicyRecords[i]; rec.Version = rec.Canary.Version; delete rec.Canary; })}>promote</button>
        <button class="small link" name="rec-canary-remove" title="Remove the canary: every client gets the record's version"
          onClick=${() => edit(x => { delete x.PolicyRecords[i].Canary; })}>×</button>
      </td></tr>`}`)}</tbody>
    </table>
    ${more(shownRecords, 'records')}
    <button class="small" name="add-record" onClick=${() => edit(x => {
      const p = policies[0];
      (x.PolicyRecords ||= []).push({ Name: 'new.example.org.', Policy: p, Version: Number(versions(p).at(-1)), TTL: 60 });
    }, { ...added, records: [...added.records, records.length] })}>Add record</button>
    <h3>Aliases</h3>
    <table class="records-table aliases">
      <tbody>${shownAliases.rows.map(i => html`<tr data-alias=${aliases[i].Name}>
        <td><${Text} name="alias-name" value=${aliases[i].Name} onChange=${v => edit(x => { x.Aliases[i].Name = v; })} /></td>
        <td>→</td>
        <td><${Choice} name="alias-target" value=${aliases[i].Target} options=${names} list="tf-names"
          onChange=${v => edit(x => { x.Aliases[i].Target = v; })} /></td>
        <td><button class="small link" name="alias-remove" title="Remove this alias" onClick=${() => remove('Aliases', i)}>×</button></td>
      </tr>`)}</tbody>
    </table>
    <button class="small" name="add-alias" onClick=${() => edit(x => { (x.Aliases ||= []).push({ Name: 'alias.example.org.', Target: names[0] || '' }); },
      { ...added, aliases: [...added.aliases, aliases.length] })}>Add alias</button>
    ${more(shownAliases, 'aliases')}
    ${file.dirty && html`<div class="save-records">
      <button class="primary" name="save-records" onClick=${save}>Save records.json</button>
      <button name="discard-records" onClick=${() => { setFile(null); setAdded({ records: [], aliases: [] }); load(); }}>Discard</button></div>`}
  </section>`;
}
