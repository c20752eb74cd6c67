package policyfile

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

var (
	recordsKeys  = []string{"PolicyRecords", "Aliases", "TrafficPolicyInstances", "TrafficPolicyInstance", "IsTruncated", "MaxItems", "HostedZoneIdMarker", "TrafficPolicyInstanceNameMarker", "TrafficPolicyInstanceTypeMarker"}
	recordKeys   = []string{"Name", "Policy", "Version", "TTL", "Canary"}
	canaryKeys   = []string{"Version", "Percent"}
	instanceKeys = []string{"Id", "HostedZoneId", "Name", "TTL", "State", "Message", "TrafficPolicyId", "TrafficPolicyVersion", "TrafficPolicyType"}
	aliasKeys    = []string{"Name", "Target"}
)

// loadRecords reads records.json: PolicyRecords and Aliases, or the output
// of aws route53 get-traffic-policy-instance / list-traffic-policy-instances.
func (l *loader) loadRecords(dec *decoder, n *jsontree.Node) {
	f := dec.fields(n, root, recordsKeys...)
	if f == nil {
		return
	}
	owner := map[string]string{} // name -> path of its definition
	l.recordNames = owner
	if v := f["PolicyRecords"]; v != nil {
		if elems, ok := dec.array(v, root.Key("PolicyRecords")); ok {
			for i, e := range elems {
				l.policyRecord(dec, e, root.Key("PolicyRecords").Index(i), owner)
			}
		}
	}
	if v := f["TrafficPolicyInstances"]; v != nil {
		dec.truncated(f, "instances after the markers are missing",
			"list every instance (aws route53 list-traffic-policy-instances without --max-items), so that none is missing")
		if elems, ok := dec.array(v, root.Key("TrafficPolicyInstances")); ok {
			for i, e := range elems {
				l.instance(dec, e, root.Key("TrafficPolicyInstances").Index(i), owner)
			}
		}
	}
	if v := f["TrafficPolicyInstance"]; v != nil {
		l.instance(dec, v, root.Key("TrafficPolicyInstance"), owner)
	}
	var aliases []*Alias
	if v := f["Aliases"]; v != nil {
		if elems, ok := dec.array(v, root.Key("Aliases")); ok {
			for i, e := range elems {
				if a := l.alias(dec, e, root.Key("Aliases").Index(i), owner); a != nil {
					aliases = append(aliases, a)
				}
			}
		}
	}
	l.resolveAliases(dec, aliases)
	sort.Slice(l.store.Records, func(i, j int) bool { return l.store.Records[i].Name < l.store.Records[j].Name })
	sort.Slice(l.store.Aliases, func(i, j int) bool { return l.store.Aliases[i].Name < l.store.Aliases[j].Name })
	for _, rec := range l.store.Records {
		l.checkRecord(dec, rec)
	}
	for _, a := range l.store.Aliases {
		if a.Record != nil && a.Record.Ver != nil {
			l.checkName(dec, a.Path, a.Name, a.Record.Ver.Document.RecordType)
		}
	}
	l.checkLookupLoops(dec)
}

// policyRecord reads one PolicyRecords entry.
func (l *loader) policyRecord(dec *decoder, n *jsontree.Node, p *jsontree.Path, owner map[string]string) {
	mark := dec.mark()
	f := dec.fields(n, p, recordKeys...)
	if f == nil {
		return
	}
	rec := &Record{File: dec.file, Path: p.String()}
	rec.Name = l.recordName(dec, p.Key("Name"), f["Name"], owner)
	if v := f["Policy"]; v == nil {
		dec.errorf(p.Key("Policy"), "is required (the name of a policy in policies/)")
	} else if s, ok := dec.str(v, p.Key("Policy")); ok {
		rec.Policy = s
	}
	if v := f["Version"]; v == nil {
		dec.errorf(p.Key("Version"), "is required (1..%d)", MaxVersions)
	} else if num, ok := dec.integer(v, p.Key("Version"), 1, MaxVersions); ok {
		rec.Version = int(num)
	}
	rec.TTL = l.ttl(dec, p.Key("TTL"), f["TTL"])
	if v := f["Canary"]; v != nil {
		rec.Canary = canary(dec, v, p.Key("Canary"))
	}
	if dec.failed(mark) {
		return
	}
	pol := l.store.Policies[rec.Policy]
	switch {
	case pol != nil:
		l.bind(dec, p.Key("Version"), rec, pol)
		if rec.Ver != nil && rec.Canary != nil {
			l.bindCanary(dec, p.Key("Canary"), rec, pol)
		}
	case l.seen[rec.Policy] == nil:
		dec.errorf(p.Key("Policy"), "no policy %q in policies/", rec.Policy)
	case !l.seen[rec.Policy][rec.Version]:
		dec.errorf(p.Key("Version"), "policy %q has no version %d (it has %s)", rec.Policy, rec.Version, l.versionList(rec.Policy))
	}
	// Otherwise the version's file has errors, already reported.
}

// canary reads a record's Canary: {"Version": N, "Percent": P}.
func canary(dec *decoder, n *jsontree.Node, p *jsontree.Path) *Canary {
	f := dec.fields(n, p, canaryKeys...)
	if f == nil {
		return nil
	}
	c := &Canary{}
	if v := f["Version"]; v == nil {
		dec.errorf(p.Key("Version"), "is required (the version a share of the clients gets, 1..%d)", MaxVersions)
	} else if num, ok := dec.integer(v, p.Key("Version"), 1, MaxVersions); ok {
		c.Version = int(num)
	}
	if v := f["Percent"]; v == nil {
		dec.errorf(p.Key("Percent"), "is required (the share of clients that get the canary version, 0..100)")
	} else if pct, _, ok := dec.decimal(v, p.Key("Percent"), 0, 100, "a number"); ok {
		c.Percent = pct
	}
	return c
}

// bindCanary resolves a record's canary version, which must exist and
// answer the record's type.
func (l *loader) bindCanary(dec *decoder, p *jsontree.Path, rec *Record, pol *Policy) {
	c := rec.Canary
	c.Ver = pol.Versions[c.Version]
	switch {
	case c.Ver == nil && l.seen[pol.Name][c.Version]:
		// The version's file has errors, already reported.
	case c.Ver == nil:
		dec.errorf(p.Key("Version"), "policy %q has no version %d (it has %s)", pol.Name, c.Version, l.versionList(pol.Name))
	case c.Ver.Document.RecordType != rec.Ver.Document.RecordType:
		dec.errorf(p.Key("Version"), "version %d of policy %q answers %s, but the record's version %d answers %s; a canary must answer the record's type",
			c.Version, pol.Name, typeName(c.Ver.Document.RecordType), rec.Version, typeName(rec.Ver.Document.RecordType))
		c.Ver = nil
	}
	if c.Ver == nil {
		rec.Canary = nil
	}
}

// bind resolves a record's version.
func (l *loader) bind(dec *decoder, p *jsontree.Path, rec *Record, pol *Policy) {
	rec.Ver = pol.Versions[rec.Version]
	if rec.Ver == nil {
		if l.seen[pol.Name][rec.Version] {
			return // the version's file has errors, already reported
		}
		dec.errorf(p, "policy %q has no version %d (it has %s)", pol.Name, rec.Version, l.versionList(pol.Name))
		return
	}
	l.addRecord(rec)
}

// versionList lists the version numbers of a policy found on disk.
func (l *loader) versionList(name string) string {
	ns := slices.Sorted(maps.Keys(l.seen[name]))
	if len(ns) == 0 {
		return "none"
	}
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

func (l *loader) addRecord(rec *Record) {
	l.store.Records = append(l.store.Records, rec)
	l.store.records[rec.Name] = rec
}

// instance reads one TrafficPolicyInstance of the AWS CLI's output.
func (l *loader) instance(dec *decoder, n *jsontree.Node, p *jsontree.Path, owner map[string]string) {
	mark := dec.mark()
	f := dec.fields(n, p, instanceKeys...)
	if f == nil {
		return
	}
	rec := &Record{File: dec.file, Path: p.String()}
	rec.Name = l.recordName(dec, p.Key("Name"), f["Name"], owner)
	var id string
	if v := f["TrafficPolicyId"]; v == nil {
		dec.errorf(p.Key("TrafficPolicyId"), "is required")
	} else {
		id, _ = dec.str(v, p.Key("TrafficPolicyId"))
	}
	if v := f["TrafficPolicyVersion"]; v == nil {
		dec.errorf(p.Key("TrafficPolicyVersion"), "is required (1..%d)", MaxVersions)
	} else if num, ok := dec.integer(v, p.Key("TrafficPolicyVersion"), 1, MaxVersions); ok {
		rec.Version = int(num)
	}
	rec.TTL = l.ttl(dec, p.Key("TTL"), f["TTL"])
	var wantType string
	if v := f["TrafficPolicyType"]; v != nil {
		wantType, _ = dec.str(v, p.Key("TrafficPolicyType"))
	}
	if dec.failed(mark) {
		return
	}
	var pol *Policy
	for _, cand := range l.store.Policies {
		if cand.ID == id {
			pol = cand
			break
		}
	}
	if pol == nil {
		pol = l.store.Policies[id] // a policy directory named by its Id
	}
	if pol == nil {
		dec.errorf(p.Key("TrafficPolicyId"), "no policy in policies/ has Id %q (policy files from aws route53 get-traffic-policy carry their Id)", id)
		return
	}
	rec.Policy = pol.Name
	l.bind(dec, p.Key("TrafficPolicyVersion"), rec, pol)
	if rec.Ver != nil && wantType != "" && parseTypeName(wantType) != rec.Ver.Document.RecordType {
		dec.errorf(p.Key("TrafficPolicyType"), "%s does not match the RecordType %s of policy %q version %d", wantType, typeName(rec.Ver.Document.RecordType), pol.Name, rec.Version)
	}
}

// recordName reads and normalises the Name of a record or alias, rejecting
// a name defined twice.
func (l *loader) recordName(dec *decoder, p *jsontree.Path, n *jsontree.Node, owner map[string]string) string {
	if n == nil {
		dec.errorf(p, "is required (a DNS name such as www.example.com.)")
		return ""
	}
	s, ok := dec.str(n, p)
	if !ok {
		return ""
	}
	name, ok := normalizeName(s)
	switch {
	case !ok:
		dec.errorf(p, "%q is not a valid DNS name", s)
		return ""
	case strings.HasPrefix(name, "*."):
		dec.errorf(p, "%q: wildcard names are not supported", s)
		return ""
	}
	if other, dup := owner[name]; dup {
		dec.errorf(p, "%s is already defined by %s", name, other)
		return ""
	}
	owner[name] = p.Parent().String()
	return name
}

// normalizeName returns a DNS name in lower case with the trailing dot.
func normalizeName(s string) (string, bool) {
	if s == "" || s == "." {
		return "", false
	}
	if _, ok := dns.IsDomainName(s); !ok || strings.ContainsAny(s, " \t\n\\\"();@$") {
		return "", false
	}
	return dns.Fqdn(strings.ToLower(s)), true
}

func (l *loader) ttl(dec *decoder, p *jsontree.Path, n *jsontree.Node) uint32 {
	if n == nil {
		dec.errorf(p, "is required (0..%d seconds)", math.MaxInt32)
		return 0
	}
	v, _ := dec.integer(n, p, 0, math.MaxInt32)
	return uint32(v)
}

// alias reads one Aliases entry.
func (l *loader) alias(dec *decoder, n *jsontree.Node, p *jsontree.Path, owner map[string]string) *Alias {
	mark := dec.mark()
	f := dec.fields(n, p, aliasKeys...)
	if f == nil {
		return nil
	}
	a := &Alias{File: dec.file, Path: p.String()}
	a.Name = l.recordName(dec, p.Key("Name"), f["Name"], owner)
	if v := f["Target"]; v == nil {
		dec.errorf(p.Key("Target"), "is required (the name of a policy record or another alias)")
	} else if s, ok := dec.str(v, p.Key("Target")); ok {
		if t, ok := normalizeName(s); ok {
			a.Target = t
		} else {
			dec.errorf(p.Key("Target"), "%q is not a valid DNS name", s)
		}
	}
	if dec.failed(mark) {
		return nil
	}
	return a
}

// resolveAliases follows every alias to its policy record, rejecting
// loops and targets that are not defined.
func (l *loader) resolveAliases(dec *decoder, aliases []*Alias) {
	byName := make(map[string]*Alias, len(aliases))
	for _, a := range aliases {
		byName[a.Name] = a
	}
	for _, a := range aliases {
		chain := []string{a.Name}
		cur := a
		for {
			if rec := l.store.records[cur.Target]; rec != nil {
				a.Record = rec
				break
			}
			next := byName[cur.Target]
			if next == nil {
				dec.addAt(Error, a.Path+".Target", "%s is not a policy record or an alias in this file", cur.Target)
				break
			}
			if slices.Contains(chain, next.Name) {
				chain = append(chain, next.Name)
				dec.addAt(Error, a.Path+".Target", "alias loop %s", strings.Join(chain, " -> "))
				break
			}
			chain = append(chain, next.Name)
			cur = next
		}
		if a.Record != nil {
			l.store.Aliases = append(l.store.Aliases, a)
		}
	}
}

// checkRecord applies the checks that need a record's resolved version.
func (l *loader) checkRecord(dec *decoder, rec *Record) {
	doc := rec.Ver.Document
	l.checkName(dec, rec.Path, rec.Name, doc.RecordType)
	if prev := l.opts.Previous; prev != nil {
		if old := prev.records[rec.Name]; old != nil && old.Ver != nil && old.Ver.Document.RecordType != doc.RecordType {
			dec.addAt(Error, rec.Path+".Version", "%s would change type from %s to %s (policy %q version %d); Route 53 rejects this as ConflictingTypes: remove the record, then add it again",
				rec.Name, typeName(old.Ver.Document.RecordType), typeName(doc.RecordType), rec.Policy, rec.Version)
		}
	}
	for _, e := range doc.Endpoints {
		if e.Type != S3Website || e.Bucket == "" {
			continue
		}
		if want := strings.TrimSuffix(rec.Name, "."); e.Bucket != want {
			dec.warnAt(rec.Path+".Name", fmt.Sprintf("s3-website endpoint %q of policy %q version %d is bucket %q, but S3 serves a website only under its bucket's name (%s)",
				e.ID, rec.Policy, rec.Version, e.Bucket, want), "", "name the bucket after the record")
		}
	}
}

// checkName checks a record or alias name against the configured zones.
func (l *loader) checkName(dec *decoder, path, name string, rrtype uint16) {
	if len(l.opts.Zones) == 0 {
		return
	}
	zone := ""
	for _, z := range l.opts.Zones {
		if dns.IsSubDomain(z, name) && len(z) > len(zone) {
			zone = z
		}
	}
	switch {
	case zone == "":
		dec.warnAt(path+".Name", fmt.Sprintf("%s is outside the zones %s", name, strings.Join(l.opts.Zones, " ")), "it is not served",
			"remove it, or serve its zone")
	case zone == name && rrtype == dns.TypeCNAME:
		dec.addAt(Error, path+".Name", "%s is the apex of zone %s, and a CNAME cannot be at a zone apex", name, zone)
	}
}
