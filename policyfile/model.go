package policyfile

import "github.com/miekg/dns"

// The AWSPolicyFormatVersion values trafficflow reads.
const (
	Format2015 = "2015-10-01"
	Format2023 = "2023-05-09"
)

// MaxDocumentSize is Route 53's limit on a policy document, in characters.
const MaxDocumentSize = 102400

// MaxFileSize is the most a store file may hold, in bytes (records.json
// with 100,000 records is about 8 MB). The store watcher reads no larger
// file either.
const MaxFileSize = 32 << 20

// MaxCommentSize is Route 53's limit on a version's comment, in characters.
const MaxCommentSize = 1024

// MaxVersions is Route 53's limit on the versions of one policy.
const MaxVersions = 1000

// MultivalueMax is the number of records a multivalue rule answers with.
const MultivalueMax = 8

// Document is one validated traffic policy document.
type Document struct {
	FormatVersion string
	// RecordType is the DNS type of every answer (dns.TypeA, ...).
	RecordType uint16
	// Exactly one of StartRule and StartEndpoint is set.
	StartRule     string
	StartEndpoint string
	// Endpoints and Rules in document order.
	Endpoints []*Endpoint
	Rules     []*Rule
	// Size is the document's length in characters as Route 53 counts it:
	// the length of the Document string when the document is given as one,
	// otherwise the length of the document written as compact JSON.
	Size int

	endpoints map[string]*Endpoint
	rules     map[string]*Rule
}

// Reachable returns the rules the start reaches, in document order.
func (d *Document) Reachable() []*Rule {
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		r := d.rules[id]
		if r == nil || seen[id] {
			return
		}
		seen[id] = true
		for _, it := range r.Items {
			walk(it.Rule)
		}
	}
	walk(d.StartRule)
	var out []*Rule
	for _, r := range d.Rules {
		if seen[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// LocationRule returns the first rule the start reaches that needs the
// client's location from a GeoIP database, or nil: a geo or geoproximity
// rule, or a latency rule unless a latency table ranks the regions.
func (d *Document) LocationRule(latencyTable bool) *Rule {
	for _, r := range d.Reachable() {
		if r.Type == Geo || r.Type == Geoproximity || r.Type == Latency && !latencyTable {
			return r
		}
	}
	return nil
}

// ReachableEndpoints returns the endpoints the start reaches, in document
// order.
func (d *Document) ReachableEndpoints() []*Endpoint {
	seen := map[string]bool{d.StartEndpoint: d.StartEndpoint != ""}
	for _, r := range d.Reachable() {
		for _, it := range r.Items {
			if it.Endpoint != "" {
				seen[it.Endpoint] = true
			}
		}
	}
	var out []*Endpoint
	for _, e := range d.Endpoints {
		if seen[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// EndpointType is the Type of an endpoint.
type EndpointType string

// Endpoint types.
const (
	ValueEndpoint    EndpointType = "value"
	CloudFront       EndpointType = "cloudfront"
	ApplicationLB    EndpointType = "application-load-balancer"
	ElasticLB        EndpointType = "elastic-load-balancer"
	NetworkLB        EndpointType = "network-load-balancer"
	ElasticBeanstalk EndpointType = "elastic-beanstalk"
	S3Website        EndpointType = "s3-website"
)

// endpointTypes are the values of an endpoint's Type.
var endpointTypes = enum[EndpointType]{what: "an endpoint type", suggest: true,
	values: []EndpointType{ValueEndpoint, CloudFront, ApplicationLB, ElasticLB, NetworkLB, ElasticBeanstalk, S3Website}}

// IsAlias reports whether the endpoint is an alias to an AWS resource
// (everything but value): its answer is the A/AAAA records of its DNS name.
func (t EndpointType) IsAlias() bool { return t != ValueEndpoint }

// Endpoint is a leaf of a policy: a record value, or the DNS name of a
// resource whose addresses are the answer.
type Endpoint struct {
	ID    string
	Type  EndpointType
	Value string
	// Region is the bucket's region of an s3-website endpoint.
	Region string
	// Bucket is the bucket of an s3-website endpoint ("" when its Value is
	// a regional website host without one).
	Bucket string
	// RR is the record of a value endpoint, with owner "." and TTL 0: a
	// template for answers.
	RR dns.RR
	// Target is the fully qualified, lower-case DNS name an alias-type
	// endpoint resolves through: its Value, except for an s3-website
	// endpoint given as a bare bucket name, which resolves through its
	// region's website endpoint (S3WebsiteHost).
	Target string
	// Path is the JSON path of the endpoint, for messages.
	Path string
}

// RuleType is the RuleType of a rule.
type RuleType string

// Rule types.
const (
	Failover     RuleType = "failover"
	Geo          RuleType = "geo"
	Geoproximity RuleType = "geoproximity"
	Latency      RuleType = "latency"
	Multivalue   RuleType = "multivalue"
	Weighted     RuleType = "weighted"
)

// ruleTypes are the values of a rule's RuleType.
var ruleTypes = enum[RuleType]{what: "a rule type", suggest: true,
	values: []RuleType{Failover, Geo, Geoproximity, Latency, Multivalue, Weighted}}

// Rule is a routing decision over items.
type Rule struct {
	ID   string
	Type RuleType
	// Items in document order. A failover rule has exactly two: Primary
	// then Secondary.
	Items []*Item
	// Path is the JSON path of the rule, for messages.
	Path string
}

// Location types of a geoproximity item.
const (
	LocationRegion     = "Region"
	LocationLocalZone  = "LocalZone"
	LocationCoordinate = "Coordinate"
)

// Item is one branch of a rule.
type Item struct {
	// Exactly one of Endpoint (EndpointReference) and Rule (RuleReference).
	Endpoint string
	Rule     string
	// EvaluateTargetHealth defaults to true (README, "Behaviour where
	// Route 53 is not documented").
	EvaluateTargetHealth bool
	// HealthCheck is the ID of the health check on this branch, or "".
	HealthCheck string
	// Path is the JSON path of the item, for messages.
	Path string

	// Geo: exactly one of Continent, Country (with an optional
	// Subdivision), or IsDefault (also set by Country "*").
	Continent   string
	Country     string
	Subdivision string
	IsDefault   bool

	// Latency: the region code. Geoproximity: the region code or Local
	// Zone name (without the aws:route53: prefix), empty for coordinates.
	Region string
	// LocationType is the geoproximity location kind (LocationRegion,
	// LocationLocalZone or LocationCoordinate).
	LocationType string
	// Point is the location of a geoproximity or latency item.
	Point LatLon
	// Bias is the geoproximity bias, -99..99.
	Bias int

	// Weight is the weighted-rule weight, 0..255.
	Weight int
}
