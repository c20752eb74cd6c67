package policyfile

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

var (
	healthChecksKeys = []string{"HealthChecks", "Marker", "IsTruncated", "NextMarker", "MaxItems"}
	healthCheckKeys  = []string{"Id", "CallerReference", "LinkedService", "HealthCheckConfig", "HealthCheckVersion", "CloudWatchAlarmConfiguration", "HealthCheckObservations"}
	hcConfigKeys     = []string{"IPAddress", "Port", "Type", "ResourcePath", "FullyQualifiedDomainName", "SearchString", "RequestInterval",
		"FailureThreshold", "MeasureLatency", "Inverted", "Disabled", "HealthThreshold", "ChildHealthChecks", "EnableSNI", "Regions",
		"AlarmIdentifier", "InsufficientDataHealthStatus", "RoutingControlArn"}
)

// loadHealthChecks reads healthchecks.json: the output of aws route53
// list-health-checks ({"HealthChecks": [...]}) or get-health-check
// ({"HealthCheck": {...}}), or an object of HealthCheckConfig objects keyed
// by ID.
func (l *loader) loadHealthChecks(dec *decoder, n *jsontree.Node) {
	if n.Kind != jsontree.Object {
		dec.errorf(root, "must be an object, not %s", n.Kind)
		return
	}
	type entry struct {
		id     string
		cfg    *jsontree.Node
		p      *jsontree.Path
		idPath *jsontree.Path
	}
	var list []entry
	switch {
	case n.Has("HealthChecks"):
		elems, ok := dec.listing(n, "HealthChecks", healthChecksKeys, "health checks after NextMarker are missing",
			"list every health check (aws route53 list-health-checks without --max-items), so that none is missing")
		if !ok {
			return
		}
		for i, e := range elems {
			p := root.Key("HealthChecks").Index(i)
			ef := dec.fields(e, p, healthCheckKeys...)
			if ef == nil {
				continue
			}
			id, _ := l.healthCheckID(dec, p.Key("Id"), ef["Id"])
			list = append(list, entry{id, ef["HealthCheckConfig"], p.Key("HealthCheckConfig"), p.Key("Id")})
		}
	case n.Has("HealthCheck"):
		f := dec.fields(n, root, "HealthCheck")
		p := root.Key("HealthCheck")
		ef := dec.fields(f["HealthCheck"], p, healthCheckKeys...)
		if ef == nil {
			return
		}
		id, _ := l.healthCheckID(dec, p.Key("Id"), ef["Id"])
		list = append(list, entry{id, ef["HealthCheckConfig"], p.Key("HealthCheckConfig"), p.Key("Id")})
	default:
		ms, _ := dec.entries(n, root)
		for _, m := range ms {
			id, ok := l.healthCheckID(dec, root.Key(m.Key), &jsontree.Node{Kind: jsontree.String, Text: m.Key})
			if !ok {
				continue
			}
			list = append(list, entry{id, m.Value, root.Key(m.Key), root.Key(m.Key)})
		}
	}

	byID := map[string]*HealthCheck{}
	where := map[string]*jsontree.Path{}
	for _, e := range list {
		if e.id == "" {
			continue
		}
		if prev, dup := where[e.id]; dup {
			dec.errorf(e.idPath, "health check %q is already defined by %s", e.id, prev.Parent().String())
			continue
		}
		where[e.id] = e.idPath
		if e.cfg == nil {
			dec.errorf(e.p, "is required")
			continue
		}
		if hc := parseHealthCheckConfig(dec, e.cfg, e.p, e.id); hc != nil {
			byID[e.id] = hc
		}
	}
	// Children of calculated checks, in file order.
	for _, e := range list {
		hc := byID[e.id]
		if hc == nil || where[e.id] != e.idPath {
			continue // invalid, or a second definition of e.id
		}
		l.store.HealthChecks = append(l.store.HealthChecks, hc)
		for i, child := range hc.ChildHealthChecks {
			c, known := byID[child]
			switch {
			case !known && where[child] == nil:
				dec.addAt(Error, hc.Path+".ChildHealthChecks["+strconv.Itoa(i)+"]", "no health check %q in this file", child)
			case known && c.Type == Calculated:
				dec.addAt(Error, hc.Path+".ChildHealthChecks["+strconv.Itoa(i)+"]", "%q is itself CALCULATED; a calculated check's children cannot be calculated", child)
			}
		}
	}
	sort.Slice(l.store.HealthChecks, func(i, j int) bool { return l.store.HealthChecks[i].ID < l.store.HealthChecks[j].ID })
}

func (l *loader) healthCheckID(dec *decoder, p *jsontree.Path, n *jsontree.Node) (string, bool) {
	if n == nil {
		dec.errorf(p, "is required (the ID policy documents use in HealthCheck)")
		return "", false
	}
	s, ok := dec.str(n, p)
	switch {
	case !ok:
		return "", false
	case s == "":
		dec.errorf(p, "is empty")
		return "", false
	case len(s) > 64:
		dec.errorf(p, "is %d characters long; health check IDs have at most 64", len(s))
		return "", false
	}
	return s, true
}

// parseHealthCheckConfig validates one HealthCheckConfig and fills in
// Route 53's defaults.
func parseHealthCheckConfig(dec *decoder, n *jsontree.Node, p *jsontree.Path, id string) *HealthCheck {
	mark := dec.mark()
	f := dec.fields(n, p, hcConfigKeys...)
	if f == nil {
		return nil
	}
	hc := &HealthCheck{ID: id, File: dec.file, Path: dec.base.Concat(p).String(), RequestInterval: 30 * time.Second, FailureThreshold: 3}
	var ok bool
	if hc.Type, ok = healthCheckTypes.read(dec, f["Type"], p.Key("Type")); !ok {
		return nil
	}

	unused := func(key, why string) {
		if f[key] != nil {
			dec.warn(p.Key(key), why, "ignored", "remove it")
		}
	}
	str := func(key string, max int) string {
		v := f[key]
		if v == nil {
			return ""
		}
		s, ok := dec.str(v, p.Key(key))
		if ok && len(s) > max {
			dec.errorf(p.Key(key), "is %d characters long; at most %d are allowed", len(s), max)
		}
		return s
	}
	boolean := func(key string) bool {
		if v := f[key]; v != nil {
			b, _ := dec.boolean(v, p.Key(key))
			return b
		}
		return false
	}
	integer := func(key string, lo, hi int64, def int) int {
		if v := f[key]; v != nil {
			if i, ok := dec.integer(v, p.Key(key), lo, hi); ok {
				return int(i)
			}
		}
		return def
	}

	hc.Inverted = boolean("Inverted")
	hc.Disabled = boolean("Disabled")
	hc.MeasureLatency = boolean("MeasureLatency")

	if hc.Type.Probed() {
		if v := f["IPAddress"]; v != nil {
			if s, ok := dec.str(v, p.Key("IPAddress")); ok {
				addr, err := netip.ParseAddr(s)
				if err != nil || addr.Zone() != "" {
					dec.errorf(p.Key("IPAddress"), "%q is not an IPv4 or IPv6 address", s)
				} else {
					hc.IPAddress = addr.Unmap()
				}
			}
		}
		hc.FullyQualifiedDomainName = str("FullyQualifiedDomainName", 255)
		if hc.FullyQualifiedDomainName != "" && !validHostName(hc.FullyQualifiedDomainName) {
			dec.errorf(p.Key("FullyQualifiedDomainName"), "%q is not a valid DNS name", hc.FullyQualifiedDomainName)
		}
		hc.FullyQualifiedDomainName = strings.TrimSuffix(hc.FullyQualifiedDomainName, ".")
		if f["IPAddress"] == nil && f["FullyQualifiedDomainName"] == nil {
			dec.errorf(p, "a %s check needs IPAddress or FullyQualifiedDomainName", hc.Type)
		}
		switch {
		case f["Port"] != nil:
			hc.Port = integer("Port", 1, 65535, 0)
		case hc.Type == TCP:
			dec.errorf(p.Key("Port"), "is required for TCP checks")
		case hc.Type.UsesTLS():
			hc.Port = 443
		default:
			hc.Port = 80
		}
		hc.RequestInterval = time.Duration(integer("RequestInterval", 1, 300, 30)) * time.Second
		hc.FailureThreshold = integer("FailureThreshold", 1, 10, 3)
		hc.EnableSNI = hc.Type.UsesTLS()
		if f["EnableSNI"] != nil {
			hc.EnableSNI = boolean("EnableSNI")
		}
	} else {
		for _, key := range []string{"IPAddress", "Port", "FullyQualifiedDomainName", "RequestInterval", "FailureThreshold", "EnableSNI"} {
			unused(key, string(hc.Type)+" checks do not probe an endpoint, so they do not use "+key)
		}
	}
	if hc.Type.UsesHTTP() {
		raw := str("ResourcePath", 255)
		hc.ResourcePath = raw
		if !strings.HasPrefix(hc.ResourcePath, "/") {
			hc.ResourcePath = "/" + hc.ResourcePath
		}
		// The prober requests RequestURL; a path it cannot parse would
		// fail every probe.
		if _, err := hc.RequestURL(); err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			dec.errorf(p.Key("ResourcePath"), "%q is not a valid URL path: %v", raw, err)
		}
	} else {
		unused("ResourcePath", string(hc.Type)+" checks do not use ResourcePath")
	}
	if hc.Type.MatchesString() {
		if f["SearchString"] == nil {
			dec.errorf(p.Key("SearchString"), "is required for %s checks", hc.Type)
		}
		hc.SearchString = str("SearchString", 255)
	} else {
		unused("SearchString", string(hc.Type)+" checks do not use SearchString")
	}
	if hc.Type == Calculated {
		if f["HealthThreshold"] == nil {
			dec.errorf(p.Key("HealthThreshold"), "is required for CALCULATED checks (0..256)")
		}
		hc.HealthThreshold = integer("HealthThreshold", 0, 256, 0)
		if v := f["ChildHealthChecks"]; v == nil {
			dec.errorf(p.Key("ChildHealthChecks"), "is required for CALCULATED checks")
		} else if elems, ok := dec.array(v, p.Key("ChildHealthChecks")); ok {
			if len(elems) > 256 {
				dec.errorf(p.Key("ChildHealthChecks"), "has %d checks; at most 256 are allowed", len(elems))
			}
			seen := map[string]bool{}
			for i, e := range elems {
				s, ok := dec.str(e, p.Key("ChildHealthChecks").Index(i))
				switch {
				case !ok:
				case seen[s]:
					dec.errorf(p.Key("ChildHealthChecks").Index(i), "%q is listed twice", s)
				case s == id:
					dec.errorf(p.Key("ChildHealthChecks").Index(i), "a calculated check cannot be its own child")
				default:
					seen[s] = true
					hc.ChildHealthChecks = append(hc.ChildHealthChecks, s)
				}
			}
		}
	} else {
		unused("HealthThreshold", "only CALCULATED checks use HealthThreshold")
		unused("ChildHealthChecks", "only CALCULATED checks use ChildHealthChecks")
	}
	if hc.Type == CloudWatch || hc.Type == RecoveryControl {
		hc.InsufficientDataHealthStatus = InsufficientLastKnown
		if v := f["InsufficientDataHealthStatus"]; v != nil {
			if s, ok := dec.str(v, p.Key("InsufficientDataHealthStatus")); ok {
				switch InsufficientData(s) {
				case InsufficientHealthy, InsufficientUnhealthy, InsufficientLastKnown:
					hc.InsufficientDataHealthStatus = InsufficientData(s)
				default:
					dec.errorf(p.Key("InsufficientDataHealthStatus"), "%q is not Healthy, Unhealthy or LastKnownStatus", s)
				}
			}
		}
	} else {
		unused("InsufficientDataHealthStatus", "only CLOUDWATCH_METRIC and RECOVERY_CONTROL checks use InsufficientDataHealthStatus")
	}
	if v := f["Regions"]; v != nil {
		if elems, ok := dec.array(v, p.Key("Regions")); ok {
			for i, e := range elems {
				if s, ok := dec.str(e, p.Key("Regions").Index(i)); ok && !healthCheckerRegions[s] {
					dec.warn(p.Key("Regions").Index(i), fmt.Sprintf("%q is not a Route 53 health-checker region", s), "trafficflow probes from where it runs anyway",
						"use a health-checker region (us-east-1, eu-west-1, ...) or remove it")
				}
			}
		}
	}
	if dec.failed(mark) {
		return nil
	}
	return hc
}

// checkHealthRefs resolves every HealthCheck a document names. A version a
// record uses must name defined checks (unless MissingHealthCheck says
// otherwise); for versions no record uses, a missing check is a warning.
func (l *loader) checkHealthRefs() {
	defined := map[string]bool{}
	for _, hc := range l.store.HealthChecks {
		defined[hc.ID] = true
	}
	used := map[*Version]bool{}
	for _, rec := range l.store.Records {
		used[rec.Ver] = true
		if rec.Canary != nil {
			used[rec.Canary.Ver] = true
		}
	}
	for _, ref := range l.hcRefs {
		if defined[ref.id] {
			continue
		}
		dec := l.decoder(ref.ver.File)
		switch {
		case !used[ref.ver]:
			dec.warnAt(ref.path, fmt.Sprintf("no health check %q in healthchecks.json (no record uses this version)", ref.id), "",
				"define the check in healthchecks.json, or remove the reference")
		case l.opts.MissingHealthCheck == MissingHealthy || l.opts.MissingHealthCheck == MissingUnhealthy:
			if l.store.Missing == nil {
				l.store.Missing = map[string]ForcedState{}
			}
			l.store.Missing[ref.id] = ForcedUnhealthy
			if l.opts.MissingHealthCheck == MissingHealthy {
				l.store.Missing[ref.id] = ForcedHealthy
			}
			dec.warnAt(ref.path, fmt.Sprintf("no health check %q in healthchecks.json", ref.id), fmt.Sprintf("treated as %s (missing_healthcheck)", l.opts.MissingHealthCheck),
				"define the check in healthchecks.json")
		default:
			dec.addAt(Error, ref.path, "no health check %q in healthchecks.json", ref.id)
		}
	}
}
