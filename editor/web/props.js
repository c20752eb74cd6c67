// The properties of the selected node: the start (document settings), a
// rule with its items (what selects each, its target, health check,
// EvaluateTargetHealth), or an endpoint; "Connect to" adds an item.
import { html, useState } from './vendor/htm-preact.mjs';
import * as D from './doc.js';
import { STATE_NAMES } from './map.js';

export function Select({ value, options, onChange, name, disabled }) {
  return html`<select name=${name} disabled=${disabled} onChange=${e => onChange(e.target.value)}>
    ${options.map(o => typeof o === 'string' ? html`<option value=${o} selected=${o === value}>${o}</option>`
      : o.group ? html`<optgroup label=${o.group}>${o.options.map(([v, l]) => html`<option value=${v} selected=${v === value}>${l}</option>`)}</optgroup>`
        : html`<option value=${o[0]} selected=${o[0] === value}>${o[1]}</option>`)}
  </select>`;
}

// Text commits on change (blur or Enter), so that each keystroke does not
// redraw the tree.
export function Text({ value, onChange, name, type = 'text', placeholder, min, max, step, list }) {
  return html`<input name=${name} type=${type} value=${value ?? ''} placeholder=${placeholder} min=${min} max=${max} step=${step} list=${list}
    onChange=${e => onChange(e.target.value)} />`;
}

export function Problem({ p }) {
  return html`<li class=${p.severity}>${p.file ? html`<code>${p.file}${p.path ? ': ' + p.path : ''}</code>: ` : p.path ? html`<code>${p.path}</code>: ` : ''}${p.message}</li>`;
}

export function Message({ msg, onClose }) {
  if (!msg) return '';
  return html`<div class=${'message ' + msg.kind} role="status">
    <button class="close" onClick=${onClose} title="Dismiss">×</button>
    <span class="text">${msg.text}</span>
    ${msg.problems?.length ? html`<ul class="problems">${msg.problems.map(p => html`<${Problem} p=${p} />`)}</ul>` : ''}
  </div>`;
}

function Problems({ list }) {
  if (!list?.length) return '';
  return html`<ul class="problems">${list.map(p => html`<li class=${p.severity}>${p.path ? html`<code>${p.path}</code>: ` : ''}${p.message}</li>`)}</ul>`;
}

const num = v => v === '' || isNaN(Number(v)) ? v : Number(v);

// ConnectTo adds an item from a rule (or sets the start): a new endpoint,
// a new rule of a type, an existing rule or endpoint.
function ConnectTo({ doc, from, onChange, onSelect }) {
  const [choice, setChoice] = useState('new-endpoint');
  const rules = Object.keys(doc.Rules || {}).filter(r => 'rule:' + r !== from);
  const multivalue = from !== 'start' && doc.Rules?.[from.slice(5)]?.RuleType === 'multivalue';
  const opts = [['new-endpoint', 'a new endpoint']];
  if (!multivalue) for (const t of D.RULE_TYPES) opts.push(['new-rule:' + t, `a new ${t} rule`]);
  if (!multivalue && rules.length) opts.push({ group: 'existing rules', options: rules.map(r => ['rule:' + r, 'rule ' + r]) });
  const eps = Object.keys(doc.Endpoints || {});
  if (eps.length) opts.push({ group: 'existing endpoints', options: eps.map(e => ['endpoint:' + e, 'endpoint ' + e]) });
  // The choice made for another node may not be one of this node's.
  const value = opts.flatMap(o => o.group ? o.options : [o]).some(o => o[0] === choice) ? choice : opts[0][0];
  const go = () => {
    const to = value === 'new-endpoint' ? { new: 'endpoint' } : value.startsWith('new-rule:') ? { new: 'rule', type: value.slice(9) } : { node: value };
    const r = D.connect(doc, from, to);
    onChange(r.doc);
    if (to.new) onSelect(r.node);
  };
  if (!D.canConnect(doc, from)) return html`<p class="hint">Both Primary and Secondary are connected.</p>`;
  return html`<div class="connect"><label>Connect to</label>
    <${Select} name="connect" value=${value} options=${opts} onChange=${setChoice} />
    <button name="connect-go" onClick=${go}>Connect</button></div>`;
}

function StartProps({ doc, ctx }) {
  const target = doc.StartRule !== undefined ? 'rule ' + doc.StartRule : doc.StartEndpoint !== undefined ? 'endpoint ' + doc.StartEndpoint : 'nothing yet';
  return html`<h3>Start</h3>
    <label>Record type <${Select} name="RecordType" value=${doc.RecordType} options=${ctx.geodata.recordTypes}
      onChange=${v => ctx.onChange(D.updateTop(doc, { RecordType: v }))} /></label>
    <label>Format <${Select} name="AWSPolicyFormatVersion" value=${doc.AWSPolicyFormatVersion} options=${D.FORMATS}
      onChange=${v => ctx.onChange(D.updateTop(doc, { AWSPolicyFormatVersion: v }))} /></label>
    <p>Starts at ${target}.</p>
    <${ConnectTo} doc=${doc} from="start" onChange=${ctx.onChange} onSelect=${ctx.onSelect} />`;
}

function EndpointProps({ doc, id, ctx }) {
  const e = doc.Endpoints[id] || {};
  const update = f => ctx.onChange(D.updateEndpoint(doc, id, f));
  return html`<h3>Endpoint ${id}</h3>
    <${Rename} doc=${doc} node=${'endpoint:' + id} ctx=${ctx} />
    <label>Type <${Select} name="Type" value=${e.Type} options=${D.ENDPOINT_TYPES} onChange=${v => update({ Type: v, Region: v === 's3-website' ? e.Region || 'us-east-1' : undefined })} /></label>
    <label>Value <${Text} name="Value" value=${e.Value} placeholder=${e.Type === 'value' ? 'the record value, such as 192.0.2.1' : 'the DNS name'}
      onChange=${v => update({ Value: v })} /></label>
    ${e.Type === 's3-website' && html`<label>Region <${Select} name="Region" value=${e.Region} options=${ctx.geodata.regions} onChange=${v => update({ Region: v })} /></label>`}
    <button class="danger" name="delete-node" onClick=${() => { ctx.onChange(D.remove(doc, 'endpoint:' + id)); ctx.onSelect(null); }}>Delete endpoint</button>`;
}

function Rename({ doc, node, ctx }) {
  const id = node.slice(node.indexOf(':') + 1);
  const taken = node.startsWith('rule:') ? doc.Rules : doc.Endpoints;
  return html`<label>ID <${Text} name="id" value=${id} onChange=${v => {
    if (v && !(v in taken)) { ctx.onChange(D.rename(doc, node, v)); ctx.onSelect(node.slice(0, node.indexOf(':') + 1) + v); }
  }} /></label>`;
}

function RuleProps({ doc, id, ctx }) {
  const rule = doc.Rules[id] || {};
  return html`<h3>Rule ${id}</h3>
    <${Rename} doc=${doc} node=${'rule:' + id} ctx=${ctx} />
    <label>Rule type <${Select} name="RuleType" value=${rule.RuleType} options=${D.RULE_TYPES}
      onChange=${v => ctx.onChange(D.setRuleType(doc, id, v))} /></label>
    ${D.items(rule, id).map(x => html`<${ItemProps} doc=${doc} id=${id} x=${x} ctx=${ctx} />`)}
    <${ConnectTo} doc=${doc} from=${'rule:' + id} onChange=${ctx.onChange} onSelect=${ctx.onSelect} />
    <button class="danger" name="delete-node" onClick=${() => { ctx.onChange(D.remove(doc, 'rule:' + id)); ctx.onSelect(null); }}>Delete rule</button>`;
}

// ItemProps edits one item: what selects it, where it leads, its health.
export function ItemProps({ doc, id, x, ctx }) {
  const rule = doc.Rules[id];
  const it = x.item;
  const update = f => ctx.onChange(D.updateItem(doc, id, x.index, f));
  const targets = [...Object.keys(doc.Endpoints || {}).map(e => ['endpoint:' + e, 'endpoint ' + e]),
    ...(rule.RuleType === 'multivalue' ? [] : Object.keys(doc.Rules || {}).filter(r => r !== id).map(r => ['rule:' + r, 'rule ' + r]))];
  const checks = [['', 'none'], ...ctx.checks.map(c => [c.id, c.id + ' (' + c.type + ')'])];
  if (it.HealthCheck && !ctx.checks.some(c => c.id === it.HealthCheck)) checks.push([it.HealthCheck, it.HealthCheck + ' (not defined)']);
  const edge = 'rule:' + id + '#' + x.index;
  return html`<fieldset class=${'item' + (ctx.selected === edge ? ' selected' : '')} data-item=${x.index}>
    <legend>${rule.RuleType === 'failover' ? x.slot : `${x.slot}[${x.index}]`}: ${D.selector(rule, x)}</legend>
    <${Selector} rule=${rule} it=${it} update=${update} ctx=${ctx} doc=${doc} />
    <label>Leads to <${Select} name="target" value=${D.target(it)} options=${targets} onChange=${v => ctx.onChange(D.setTarget(doc, id, x.index, v))} /></label>
    <label>Health check <${Select} name="HealthCheck" value=${it.HealthCheck || ''} options=${checks} onChange=${v => update({ HealthCheck: v || undefined })} /></label>
    ${rule.RuleType !== 'multivalue' && it.RuleReference !== undefined && html`<label class="check"><input type="checkbox" name="EvaluateTargetHealth"
      checked=${String(it.EvaluateTargetHealth ?? true).toLowerCase() !== 'false'}
      onChange=${e => update({ EvaluateTargetHealth: e.target.checked ? undefined : false })} /> Evaluate target health</label>`}
    <${Problems} list=${ctx.problems.get(edge)} />
    <button class="small" name="remove-item" onClick=${() => ctx.onChange(D.removeItem(doc, id, x.index))}>Remove this branch</button>
  </fieldset>`;
}

// Selector edits what selects an item, by rule type.
function Selector({ rule, it, update, ctx, doc }) {
  const g = ctx.geodata;
  switch (rule.RuleType) {
    case 'geo': {
      const value = D.selector(rule, { item: it }) === 'default' ? 'default' : it.Subdivision ? 'S:' + it.Country + '-' + it.Subdivision
        : it.Country ? 'K:' + it.Country : 'C:' + it.Continent;
      const opts = [['default', 'Default (everywhere else)'],
        { group: 'Continents', options: Object.entries(g.continents).sort().map(([c, n]) => ['C:' + c, n + ' (' + c + ')']) },
        { group: 'Countries', options: Object.keys(g.countries).map(c => ['K:' + c, (ctx.names[c] || c) + ' (' + c + ')'])
          .sort((a, b) => a[1].localeCompare(b[1])) },
        { group: 'US states', options: g.usStates.map(s => ['S:US-' + s, (STATE_NAMES[s] || s) + ' (US-' + s + ')']) }];
      const set = v => {
        const f = { IsDefault: undefined, Continent: undefined, Country: undefined, Subdivision: undefined };
        if (v === 'default') f.IsDefault = true;
        else if (v.startsWith('C:')) f.Continent = v.slice(2);
        else if (v.startsWith('K:')) f.Country = v.slice(2);
        else { f.Country = v.slice(2, 4); f.Subdivision = v.slice(5); }
        update(f);
      };
      return html`<label>Location <${Select} name="location" value=${value} options=${opts} onChange=${set} /></label>`;
    }
    case 'latency':
      return html`<label>Region <${Select} name="Region" value=${it.Region} options=${g.regions} onChange=${v => update({ Region: v })} /></label>`;
    case 'weighted':
      return html`<label>Weight <${Text} name="Weight" type="number" min="0" max="255" value=${it.Weight} onChange=${v => update({ Weight: num(v) })} /></label>`;
    case 'geoproximity':
      return html`<${Proximity} it=${it} update=${update} g=${g} format=${doc.AWSPolicyFormatVersion} />`;
  }
  return '';
}

// Proximity edits a geoproximity item's location (either format's syntax)
// and bias.
function Proximity({ it, update, g, format }) {
  const loc = it.Location;
  const kind = loc ? loc.Type : it.Region !== undefined ? 'Region' : 'Coordinate';
  const name = (loc ? loc.LocationName : it.Region) || '';
  const lat = loc ? loc.Latitude : it.Latitude, lon = loc ? loc.Longitude : it.Longitude;
  const modern = format === '2023-05-09' || !!loc;
  const set = (k, fields) => {
    if (modern) {
      const l = { Type: k };
      if (k === 'Coordinate') Object.assign(l, { Latitude: fields.lat ?? lat ?? '0.00', Longitude: fields.lon ?? lon ?? '0.00' });
      else l.LocationName = fields.name ?? (k === kind ? name : k === 'Region' ? 'aws:route53:us-east-1' : 'aws:route53:us-east-1-atl-1a');
      update({ Location: l, Region: undefined, Latitude: undefined, Longitude: undefined });
    } else if (k === 'Region') {
      update({ Region: fields.name ?? (k === kind ? name : 'aws:route53:us-east-1'), Latitude: undefined, Longitude: undefined });
    } else {
      update({ Region: undefined, Latitude: fields.lat ?? lat ?? '0.00', Longitude: fields.lon ?? lon ?? '0.00' });
    }
  };
  const kinds = modern ? ['Region', 'LocalZone', 'Coordinate'] : ['Region', 'Coordinate'];
  return html`
    <label>Location <${Select} name="locationType" value=${kind} options=${kinds} onChange=${k => set(k, {})} /></label>
    ${kind === 'Region' && html`<label>Region <${Select} name="region" value=${name.replace(/^aws:route53:/, '')} options=${g.regions}
      onChange=${v => set('Region', { name: 'aws:route53:' + v })} /></label>`}
    ${kind === 'LocalZone' && html`<label>Local Zone <${Text} name="localZone" value=${name} placeholder="aws:route53:us-east-1-atl-1a"
      onChange=${v => set('LocalZone', { name: v.startsWith('aws:route53:') ? v : 'aws:route53:' + v })} /></label>
      <p class="hint">Known metros: ${Object.keys(g.localZoneMetros).sort().join(' ')}</p>`}
    ${kind === 'Coordinate' && html`<label>Latitude <${Text} name="latitude" value=${lat} onChange=${v => set('Coordinate', { lat: v })} /></label>
      <label>Longitude <${Text} name="longitude" value=${lon} onChange=${v => set('Coordinate', { lon: v })} /></label>`}
    <label>Bias <span class="bias"><input type="range" name="bias-range" min="-99" max="99" value=${it.Bias ?? 0}
        onChange=${e => update({ Bias: Number(e.target.value) || undefined })} />
      <${Text} name="Bias" type="number" min="-99" max="99" value=${it.Bias ?? 0} onChange=${v => update({ Bias: num(v) || undefined })} /></span></label>`;
}

// Props shows the properties of the selected node or edge.
export function Props({ doc, selected, ctx }) {
  let body;
  if (!selected || selected === 'start') body = html`<${StartProps} doc=${doc} ctx=${ctx} />`;
  else if (selected.startsWith('endpoint:') && doc.Endpoints?.[selected.slice(9)]) body = html`<${EndpointProps} doc=${doc} id=${selected.slice(9)} ctx=${ctx} />`;
  else if (selected.startsWith('rule:')) {
    const id = selected.slice(5).replace(/#-?\d+$/, '');
    if (doc.Rules?.[id]) body = html`<${RuleProps} doc=${doc} id=${id} ctx=${ctx} />`;
  }
  body ||= html`<p>${selected} is not defined in the document: connect an existing rule or endpoint, or remove the branches that lead to it.</p>`;
  return html`<div class="props">${body}<${Problems} list=${ctx.problems.get(selected?.replace(/#-?\d+$/, '') || 'start')} /></div>`;
}
