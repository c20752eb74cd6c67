// The traffic policy document as the editor holds it: the raw JSON object
// that will be saved, and pure functions to read and change it. Nothing
// here decides how a policy answers; the server does (validate, explain,
// map).

export const RULE_TYPES = ['failover', 'geo', 'geoproximity', 'latency', 'weighted', 'multivalue'];
export const ENDPOINT_TYPES = ['value', 'cloudfront', 'application-load-balancer', 'elastic-load-balancer',
  'network-load-balancer', 'elastic-beanstalk', 's3-website'];
export const FORMATS = ['2015-10-01', '2023-05-09'];

// The key of a rule's item list (failover has Primary and Secondary).
const ITEMS_KEY = { geo: 'Locations', geoproximity: 'GeoproximityLocations', latency: 'Regions', weighted: 'Items', multivalue: 'Items' };

// A JSON path as the validator writes it: Rules.split.Items[1], Rules["a b"].
export function key(path, k) {
  return /^[A-Za-z0-9_-]+$/.test(k) ? (path ? path + '.' : '') + k : path + '[' + JSON.stringify(k) + ']';
}

export const ruleNode = id => 'rule:' + id;
export const endpointNode = id => 'endpoint:' + id;

// items returns a rule's items: {item, path, index, slot} (slot is
// Primary/Secondary for failover, else the list key).
export function items(rule, id) {
  const base = key('Rules', id);
  if (rule.RuleType === 'failover') {
    return ['Primary', 'Secondary'].map((slot, index) => ({ item: rule[slot], path: key(base, slot), index, slot }))
      .filter(x => x.item && typeof x.item === 'object');
  }
  const list = rule[ITEMS_KEY[rule.RuleType]];
  const slot = ITEMS_KEY[rule.RuleType];
  return Array.isArray(list) ? list.map((item, index) => ({ item, path: key(base, slot) + '[' + index + ']', index, slot })) : [];
}

// target is the node an item (or the start) points at, or null.
export function target(obj) {
  if (!obj) return null;
  if (obj.RuleReference !== undefined) return ruleNode(obj.RuleReference);
  if (obj.EndpointReference !== undefined) return endpointNode(obj.EndpointReference);
  return null;
}

function signed(n) { return n > 0 ? '+' + n : String(n); }

// selector says what selects an item, as trafficflow graph labels it.
export function selector(rule, x) {
  const it = x.item;
  switch (rule.RuleType) {
    case 'failover': return x.slot;
    case 'geo':
      if (it.IsDefault === true || String(it.IsDefault).toLowerCase() === 'true' || it.Country === '*') return 'default';
      if (it.Subdivision) return (it.Country || '?') + '-' + it.Subdivision;
      if (it.Country) return 'Country ' + it.Country;
      return 'Continent ' + (it.Continent || '?');
    case 'geoproximity': {
      const loc = it.Location || {};
      const name = (loc.LocationName || it.Region || '').replace(/^aws:route53:/, '');
      const where = name || '(' + (loc.Latitude ?? it.Latitude ?? '?') + ', ' + (loc.Longitude ?? it.Longitude ?? '?') + ')';
      return it.Bias !== undefined && Number(it.Bias) !== 0 ? where + ', bias ' + signed(Number(it.Bias)) : where;
    }
    case 'latency': return it.Region || '?';
    case 'weighted': return 'weight ' + (it.Weight ?? '?');
    default: return 'multivalue';
  }
}

// graph derives the drawing of a document: every rule and endpoint (those
// the start does not reach marked), and an edge per item.
export function graph(doc) {
  const nodes = [{ id: 'start', kind: 'start', name: '', type: doc.RecordType || '?', path: '', lines: ['start', (doc.RecordType || '?') + ' record'] }];
  const edges = [];
  const rules = obj(doc.Rules), endpoints = obj(doc.Endpoints);
  for (const [id, r] of Object.entries(rules)) {
    nodes.push({ id: ruleNode(id), kind: 'rule', name: id, type: r?.RuleType || '?', path: key('Rules', id), lines: [id, r?.RuleType || '?'] });
  }
  for (const [id, e] of Object.entries(endpoints)) {
    const value = String(e?.Value ?? '');
    nodes.push({ id: endpointNode(id), kind: 'endpoint', name: id, type: e?.Type || '?', path: key('Endpoints', id),
      lines: [id, (e?.Type || '?') + (value ? ' ' + (value.length > 30 ? value.slice(0, 29) + '…' : value) : '')] });
  }
  const ids = new Set(nodes.map(n => n.id));
  const start = doc.StartRule !== undefined ? ruleNode(doc.StartRule) : doc.StartEndpoint !== undefined ? endpointNode(doc.StartEndpoint) : null;
  if (start) edges.push({ key: 'start#-1', from: 'start', to: start, item: -1, path: doc.StartRule !== undefined ? 'StartRule' : 'StartEndpoint', lines: [] });
  for (const [id, r] of Object.entries(rules)) {
    if (!r || typeof r !== 'object') continue;
    for (const x of items(r, id)) {
      const to = target(x.item);
      if (!to) continue;
      const lines = [selector(r, x)];
      if (x.item.HealthCheck) lines.push('hc: ' + x.item.HealthCheck);
      if (x.item.RuleReference !== undefined && String(x.item.EvaluateTargetHealth).toLowerCase() === 'false') lines.push('EvaluateTargetHealth false');
      edges.push({ key: ruleNode(id) + '#' + x.index, from: ruleNode(id), to, item: x.index, path: x.path, lines });
    }
  }
  // A reference to nothing still gets a node, marked missing.
  for (const e of edges) {
    if (!ids.has(e.to)) {
      ids.add(e.to);
      const [kind, name] = [e.to.slice(0, e.to.indexOf(':')), e.to.slice(e.to.indexOf(':') + 1)];
      nodes.push({ id: e.to, kind, name, type: 'missing', path: '', missing: true, lines: [name, 'not defined'] });
    }
  }
  const reached = new Set(['start']);
  const out = new Map();
  for (const e of edges) (out.get(e.from) || out.set(e.from, []).get(e.from)).push(e.to);
  const walk = id => { for (const t of out.get(id) || []) if (!reached.has(t)) { reached.add(t); walk(t); } };
  walk('start');
  for (const n of nodes) n.unreachable = !reached.has(n.id);
  return { nodes, edges };
}

function obj(v) { return v && typeof v === 'object' && !Array.isArray(v) ? v : {}; }

// owner finds the node or edge a problem's path is about: the longest
// path of the drawing that the problem's path starts with.
export function owner(g, path) {
  let best = null, len = -1;
  for (const x of [...g.nodes, ...g.edges]) {
    const p = x.path;
    if (!p || p.length <= len) continue;
    if (path === p || path.startsWith(p) && '.['.includes(path[p.length])) { best = x; len = p.length; }
  }
  return best;
}

// Changes. Each takes a document and returns a new one (the old one is
// not modified), so that the page can redraw and keep its history simple.

const copy = doc => structuredClone(doc);

export function newDocument(recordType, format) {
  return { AWSPolicyFormatVersion: format, RecordType: recordType, Endpoints: {}, Rules: {} };
}

// freeId returns base, or base-2, base-3... whichever the document lacks.
export function freeId(doc, base) {
  const used = new Set([...Object.keys(obj(doc.Rules)), ...Object.keys(obj(doc.Endpoints))]);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(base + '-' + i)) return base + '-' + i;
}

function newItem(doc, rule) {
  switch (rule.RuleType) {
    case 'geo': return items(rule).some(x => selector(rule, x) === 'default') ? { Country: 'US' } : { IsDefault: true };
    case 'geoproximity': return doc.AWSPolicyFormatVersion === '2023-05-09'
      ? { Location: { Type: 'Region', LocationName: 'aws:route53:us-east-1' } } : { Region: 'aws:route53:us-east-1' };
    case 'latency': return { Region: 'us-east-1' };
    case 'weighted': return { Weight: 1 };
    default: return {};
  }
}

// canConnect says whether a rule (or the start) takes another item.
export function canConnect(doc, from) {
  if (from === 'start') return true;
  const rule = obj(doc.Rules)[from.slice(5)];
  return rule?.RuleType !== 'failover' || !rule.Primary || !rule.Secondary;
}

// connect adds an item from a rule (or sets the start) to a target:
// {new: 'endpoint'}, {new: 'rule', type}, or an existing node id.
export function connect(doc, from, to) {
  doc = copy(doc);
  doc.Rules = obj(doc.Rules); doc.Endpoints = obj(doc.Endpoints);
  let node = to.node;
  if (to.new === 'endpoint') {
    const id = freeId(doc, 'endpoint');
    doc.Endpoints[id] = { Type: 'value', Value: '' };
    node = endpointNode(id);
  } else if (to.new === 'rule') {
    const id = freeId(doc, to.type);
    doc.Rules[id] = { RuleType: to.type };
    if (to.type !== 'failover') doc.Rules[id][ITEMS_KEY[to.type]] = [];
    node = ruleNode(id);
  }
  const [kind, id] = [node.slice(0, node.indexOf(':')), node.slice(node.indexOf(':') + 1)];
  const ref = kind === 'rule' ? { RuleReference: id } : { EndpointReference: id };
  if (from === 'start') {
    delete doc.StartRule; delete doc.StartEndpoint;
    doc[kind === 'rule' ? 'StartRule' : 'StartEndpoint'] = id;
    return { doc, node };
  }
  const rule = doc.Rules[from.slice(5)];
  if (rule.RuleType === 'failover') {
    rule[rule.Primary ? 'Secondary' : 'Primary'] = ref;
  } else {
    const list = rule[ITEMS_KEY[rule.RuleType]] ||= [];
    list.push({ ...newItem(doc, rule), ...ref });
  }
  return { doc, node };
}

// updateItem replaces the fields of item index of rule id.
export function updateItem(doc, id, index, fields) {
  doc = copy(doc);
  const rule = doc.Rules[id];
  const x = items(rule, id).find(x => x.index === index);
  const item = Object.assign(x.item, fields);
  for (const k of Object.keys(item)) if (item[k] === undefined) delete item[k];
  return doc;
}

// setTarget points an item at another node.
export function setTarget(doc, id, index, node) {
  const kind = node.startsWith('rule:') ? 'RuleReference' : 'EndpointReference';
  return updateItem(doc, id, index, { RuleReference: undefined, EndpointReference: undefined, [kind]: node.slice(node.indexOf(':') + 1) });
}

export function removeItem(doc, id, index) {
  doc = copy(doc);
  const rule = doc.Rules[id];
  if (rule.RuleType === 'failover') {
    delete rule[index === 0 ? 'Primary' : 'Secondary'];
  } else {
    rule[ITEMS_KEY[rule.RuleType]].splice(index, 1);
  }
  return doc;
}

// remove deletes a rule or endpoint and every reference to it.
export function remove(doc, node) {
  doc = copy(doc);
  const [kind, id] = [node.slice(0, node.indexOf(':')), node.slice(node.indexOf(':') + 1)];
  delete (kind === 'rule' ? doc.Rules : doc.Endpoints)[id];
  const refKey = kind === 'rule' ? 'RuleReference' : 'EndpointReference';
  if (doc[kind === 'rule' ? 'StartRule' : 'StartEndpoint'] === id) delete doc[kind === 'rule' ? 'StartRule' : 'StartEndpoint'];
  for (const rule of Object.values(obj(doc.Rules))) {
    if (rule.RuleType === 'failover') {
      for (const slot of ['Primary', 'Secondary']) if (rule[slot]?.[refKey] === id) delete rule[slot];
    } else if (Array.isArray(rule[ITEMS_KEY[rule.RuleType]])) {
      rule[ITEMS_KEY[rule.RuleType]] = rule[ITEMS_KEY[rule.RuleType]].filter(it => it[refKey] !== id);
    }
  }
  return doc;
}

// rename gives a rule or endpoint a new ID, keeping its place in the
// document and every reference to it.
export function rename(doc, node, newId) {
  doc = copy(doc);
  const [kind, id] = [node.slice(0, node.indexOf(':')), node.slice(node.indexOf(':') + 1)];
  const section = kind === 'rule' ? 'Rules' : 'Endpoints';
  doc[section] = Object.fromEntries(Object.entries(doc[section]).map(([k, v]) => [k === id ? newId : k, v]));
  const refKey = kind === 'rule' ? 'RuleReference' : 'EndpointReference';
  const startKey = kind === 'rule' ? 'StartRule' : 'StartEndpoint';
  if (doc[startKey] === id) doc[startKey] = newId;
  for (const [rid, rule] of Object.entries(obj(doc.Rules))) {
    for (const x of items(rule, rid)) if (x.item[refKey] === id) x.item[refKey] = newId;
  }
  return doc;
}

// setRuleType changes a rule's type, keeping each item's target, health
// check and EvaluateTargetHealth (failover keeps the first two).
export function setRuleType(doc, id, type) {
  doc = copy(doc);
  const old = doc.Rules[id];
  const kept = items(old, id).map(x => {
    const { RuleReference, EndpointReference, HealthCheck, EvaluateTargetHealth } = x.item;
    return JSON.parse(JSON.stringify({ RuleReference, EndpointReference, HealthCheck, EvaluateTargetHealth }));
  });
  const rule = { RuleType: type };
  doc.Rules[id] = rule;
  if (type === 'failover') {
    if (kept[0]) rule.Primary = kept[0];
    if (kept[1]) rule.Secondary = kept[1];
  } else {
    rule[ITEMS_KEY[type]] = [];
    for (const k of kept) {
      if (type === 'multivalue') { delete k.RuleReference; delete k.EvaluateTargetHealth; }
      rule[ITEMS_KEY[type]].push({ ...newItem(doc, rule), ...k });
    }
  }
  return doc;
}

export function updateEndpoint(doc, id, fields) {
  doc = copy(doc);
  const e = Object.assign(doc.Endpoints[id], fields);
  for (const k of Object.keys(e)) if (e[k] === undefined || e[k] === '' && k !== 'Value') delete e[k];
  return doc;
}

export function updateTop(doc, fields) {
  return { ...copy(doc), ...fields };
}
