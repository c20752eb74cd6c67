// Records: records.json as a form. Change a record's version or TTL, run a
// canary (another version for a share of the clients: start, raise,
// promote, abort), add and remove records and aliases, and save with
// If-Match: the server refuses (412) when the file changed since it was
// read.
import { html, useEffect, useState } from './vendor/htm-preact.mjs';
import { api } from './api.js';
import { Select, Text } from './props.js';

export function Records({ store, storeTag, onSaved, setMsg }) {
  const [file, setFile] = useState(null); // {content, etag, dirty}
  // synced is the store (its ETag) the form has caught up with: the file
  // read again, or the edits in progress kept.
  const [synced, setSynced] = useState(null);
  const load = async () => {
    const r = await api('GET', 'records');
    // An edit made while the file was loading wins; saving it tells if the file changed.
    setFile(f => f?.dirty ? f : r.status === 200 ? { content: r.data, etag: r.etag, dirty: false } : { error: r.data.error });
  };
  useEffect(() => {
    if (file?.dirty) setSynced(storeTag);
    else load().then(() => setSynced(storeTag));
  }, [store]);
  if (!file) return '';
  if (file.error) return html`<section class="records"><h2>Records</h2><p class="error">${file.error}</p></section>`;

  const c = file.content;
  const records = Array.isArray(c.PolicyRecords) ? c.PolicyRecords : [];
  const aliases = Array.isArray(c.Aliases) ? c.Aliases : [];
  const edit = f => { const content = structuredClone(c); f(content); setFile({ ...file, content, dirty: true }); };
  const versions = p => store.policies.find(x => x.name === p)?.versions.map(v => String(v.version)) || [];
  const policies = store.policies.map(p => p.name);
  const names = [...records.map(r => r.Name), ...aliases.map(a => a.Name)];
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
    <table class="records-table records">
      <thead><tr><th>Name</th><th>Policy</th><th title="Version">Ver.</th><th>TTL</th><th></th></tr></thead>
      <tbody>${records.map((r, i) => html`<tr data-record=${r.Name}>
        <td><${Text} name="rec-name" value=${r.Name} onChange=${v => edit(x => { x.PolicyRecords[i].Name = v; })} />
          ${!r.Canary && canaryChoice(r) && html`<button class="small link" name="rec-canary-add" title="Answer a share of the clients from another version of the policy"
            onClick=${() => edit(x => { x.PolicyRecords[i].Canary = { Version: Number(canaryChoice(r)), Percent: 5 }; })}>+ canary</button>`}</td>
        <td><${Select} name="rec-policy" value=${r.Policy} options=${policies.includes(r.Policy) ? policies : [r.Policy, ...policies]}
          onChange=${v => edit(x => { x.PolicyRecords[i].Policy = v; x.PolicyRecords[i].Version = Number(versions(v).at(-1)); delete x.PolicyRecords[i].Canary; })} /></td>
        <td><${Select} name="rec-version" value=${String(r.Version)} options=${versions(r.Policy).includes(String(r.Version)) ? versions(r.Policy) : [String(r.Version), ...versions(r.Policy)]}
          onChange=${v => edit(x => { x.PolicyRecords[i].Version = Number(v); })} /></td>
        <td><${Text} name="rec-ttl" type="number" min="0" value=${r.TTL} onChange=${v => edit(x => { x.PolicyRecords[i].TTL = Number(v); })} /></td>
        <td><button class="small link" name="rec-remove" title="Remove this record" onClick=${() => edit(x => { x.PolicyRecords.splice(i, 1); })}>×</button></td>
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
    <button class="small" name="add-record" onClick=${() => edit(x => {
      const p = policies[0];
      (x.PolicyRecords ||= []).push({ Name: 'new.example.org.', Policy: p, Version: Number(versions(p).at(-1)), TTL: 60 });
    })}>Add record</button>
    <h3>Aliases</h3>
    <table class="records-table aliases">
      <tbody>${aliases.map((a, i) => html`<tr data-alias=${a.Name}>
        <td><${Text} name="alias-name" value=${a.Name} onChange=${v => edit(x => { x.Aliases[i].Name = v; })} /></td>
        <td>→</td>
        <td><${Select} name="alias-target" value=${a.Target} options=${names.includes(a.Target) ? names : [a.Target, ...names]}
          onChange=${v => edit(x => { x.Aliases[i].Target = v; })} /></td>
        <td><button class="small link" name="alias-remove" title="Remove this alias" onClick=${() => edit(x => { x.Aliases.splice(i, 1); })}>×</button></td>
      </tr>`)}</tbody>
    </table>
    <button class="small" name="add-alias" onClick=${() => edit(x => { (x.Aliases ||= []).push({ Name: 'alias.example.org.', Target: names[0] || '' }); })}>Add alias</button>
    ${file.dirty && html`<div class="save-records">
      <button class="primary" name="save-records" onClick=${save}>Save records.json</button>
      <button name="discard-records" onClick=${() => { setFile(null); load(); }}>Discard</button></div>`}
  </section>`;
}
