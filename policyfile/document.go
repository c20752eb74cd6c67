package policyfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// docContext is what parsing a document needs from the store around it.
type docContext struct {
	locations *Locations
}

var documentKeys = []string{"AWSPolicyFormatVersion", "RecordType", "StartRule", "StartEndpoint", "Endpoints", "Rules"}

// ParseDocument parses and validates one traffic policy document
// (JSON, or YAML when yaml is set) on its own, without a store around it:
// health-check IDs are not resolved and the built-in region and Local Zone
// points are used. It returns the document (nil if it has errors) and
// every problem found.
func ParseDocument(data []byte, yaml, strict bool) (*Document, Problems) {
	var probs Problems
	dec := &decoder{strict: strict, out: &probs}
	n, err := jsontree.Parse(data, yaml)
	if err != nil {
		probs = append(probs, Problem{Message: err.Error()})
		return nil, probs
	}
	doc := parseDocument(dec, n, root, n.JSONSize(), &docContext{locations: &Locations{}})
	probs.promote()
	if probs.Err() != nil {
		doc = nil
	}
	return doc, probs
}

// parseDocument validates a document node. size is its length in
// characters as Route 53 counts it (see jsontree.Node.JSONSize). It returns
// nil when the document has errors.
func parseDocument(dec *decoder, n *jsontree.Node, p *jsontree.Path, size int, ctx *docContext) *Document {
	mark := dec.mark()
	if size > MaxDocumentSize {
		dec.errorf(p, "the document is %d characters long; Route 53 allows at most %d", size, MaxDocumentSize)
	}
	f := dec.fields(n, p, documentKeys...)
	if f == nil {
		return nil
	}
	d := &Document{Size: size, endpoints: map[string]*Endpoint{}, rules: map[string]*Rule{}}

	if v := f["AWSPolicyFormatVersion"]; v == nil {
		dec.errorf(p.Key("AWSPolicyFormatVersion"), "is required (%s or %s)", Format2015, Format2023)
	} else if s, ok := dec.str(v, p.Key("AWSPolicyFormatVersion")); ok {
		if s != Format2015 && s != Format2023 {
			dec.errorf(p.Key("AWSPolicyFormatVersion"), "%q is not a policy format version (%s or %s)", s, Format2015, Format2023)
		}
		d.FormatVersion = s
	}

	if v := f["RecordType"]; v == nil {
		dec.errorf(p.Key("RecordType"), "is required")
	} else if s, ok := dec.str(v, p.Key("RecordType")); ok {
		d.RecordType = parseRecordType(dec, p.Key("RecordType"), s)
	}

	start := 0
	if v := f["StartRule"]; v != nil {
		start++
		d.StartRule = dec.id(v, p.Key("StartRule"))
	}
	if v := f["StartEndpoint"]; v != nil {
		start++
		d.StartEndpoint = dec.id(v, p.Key("StartEndpoint"))
	}
	switch start {
	case 0:
		dec.errorf(p, "one of StartRule or StartEndpoint is required")
	case 2:
		dec.errorf(p, "StartRule and StartEndpoint are both set; use exactly one")
	}

	if v := f["Endpoints"]; v != nil {
		if ms, ok := dec.entries(v, p.Key("Endpoints")); ok {
			for _, m := range ms {
				if e := parseEndpoint(dec, m.Value, p.Key("Endpoints").Key(m.Key), m.Key, d.RecordType, ctx); e != nil {
					d.Endpoints = append(d.Endpoints, e)
					d.endpoints[e.ID] = e
				}
			}
		}
	}
	if v := f["Rules"]; v != nil {
		if ms, ok := dec.entries(v, p.Key("Rules")); ok {
			for _, m := range ms {
				if rule := parseRule(dec, m.Value, p.Key("Rules").Key(m.Key), m.Key, d, ctx); rule != nil {
					d.Rules = append(d.Rules, rule)
					d.rules[rule.ID] = rule
				}
			}
		}
	}
	if dec.failed(mark) {
		// Reference checks on a partial document would report noise.
		checkGraph(dec, p, d, f, true)
		return nil
	}
	checkGraph(dec, p, d, f, false)
	if dec.failed(mark) {
		return nil
	}
	return d
}

// supportedTypes are the RecordTypes a policy may have: the types the
// Route 53 console offers for traffic policies, plus the data types Route 53
// added later. NS, SOA and DS describe a zone cut and make no sense for a
// policy record.
var supportedTypes = []uint16{
	dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeMX, dns.TypeNAPTR,
	dns.TypePTR, dns.TypeSPF, dns.TypeSRV, dns.TypeTXT,
	dns.TypeSSHFP, dns.TypeTLSA, dns.TypeSVCB, dns.TypeHTTPS,
}

func supportedTypeList() string {
	names := make([]string, len(supportedTypes))
	for i, t := range supportedTypes {
		names[i] = dns.TypeToString[t]
	}
	return strings.Join(names, ", ")
}

func parseRecordType(dec *decoder, p *jsontree.Path, s string) uint16 {
	t, ok := dns.StringToType[s]
	if !ok {
		if t2, ok2 := dns.StringToType[strings.ToUpper(s)]; ok2 && slices.Contains(supportedTypes, t2) {
			dec.warn(p, fmt.Sprintf("%q should be upper case", s), "accepted as "+strings.ToUpper(s), fmt.Sprintf("write %q", strings.ToUpper(s)))
			return t2
		}
		dec.errorf(p, "%q is not a record type a traffic policy can have (%s)", s, supportedTypeList())
		return 0
	}
	if !slices.Contains(supportedTypes, t) {
		dec.errorf(p, "%s cannot be the record type of a traffic policy (%s)", s, supportedTypeList())
		return 0
	}
	return t
}

// parseTypeName returns the type a record type name stands for, or 0.
func parseTypeName(s string) uint16 { return dns.StringToType[strings.ToUpper(s)] }

// typeName returns the name of a record type.
func typeName(t uint16) string { return dns.TypeToString[t] }

var endpointKeys = []string{"Type", "Value", "Region"}

func parseEndpoint(dec *decoder, n *jsontree.Node, p *jsontree.Path, id string, rrtype uint16, ctx *docContext) *Endpoint {
	mark := dec.mark()
	f := dec.fields(n, p, endpointKeys...)
	if f == nil {
		return nil
	}
	e := &Endpoint{ID: id, Path: dec.base.Concat(p).String()}
	var ok bool
	if e.Type, ok = endpointTypes.read(dec, f["Type"], p.Key("Type")); !ok {
		return nil
	}

	if v := f["Value"]; v == nil {
		dec.errorf(p.Key("Value"), "is required")
	} else if s, ok := dec.str(v, p.Key("Value")); ok {
		e.Value = s
	}

	switch {
	case e.Type == S3Website:
		if v := f["Region"]; v == nil {
			dec.errorf(p.Key("Region"), "is required for s3-website endpoints (the bucket's region)")
		} else if s, ok := dec.str(v, p.Key("Region")); ok {
			e.Region = ctx.plainRegion(dec, p.Key("Region"), s)
		}
	case f["Region"] != nil:
		dec.warn(p.Key("Region"), "only s3-website endpoints have a Region", "ignored", "remove it")
	}

	if rrtype != 0 {
		checkEndpointType(dec, p, e, rrtype)
	}
	if e.Value != "" || f["Value"] != nil {
		if e.Type == ValueEndpoint {
			if rrtype != 0 {
				e.RR = parseValue(dec, p.Key("Value"), e.Value, rrtype)
			}
		} else {
			e.Target = hostName(dec, p.Key("Value"), e.Value)
			if e.Type == S3Website && e.Target != "" && e.Region != "" {
				s3WebsiteTarget(dec, p, e)
			}
		}
	}
	if dec.failed(mark) {
		return nil
	}
	return e
}

// checkEndpointType checks that the endpoint's type suits the policy's
// RecordType: a value endpoint suits every type, an s3-website endpoint
// only A, and the other alias types (load balancers, CloudFront, Elastic
// Beanstalk) A or AAAA, the types their DNS names answer.
func checkEndpointType(dec *decoder, p *jsontree.Path, e *Endpoint, rrtype uint16) {
	switch e.Type {
	case ValueEndpoint:
	case S3Website:
		if rrtype != dns.TypeA {
			dec.errorf(p.Key("Type"), "s3-website endpoints can only be used in policies with RecordType A, not %s", dns.TypeToString[rrtype])
		}
	default:
		if rrtype != dns.TypeA && rrtype != dns.TypeAAAA {
			dec.errorf(p.Key("Type"), "%s endpoints can only be used in policies with RecordType A or AAAA, not %s", e.Type, dns.TypeToString[rrtype])
		}
	}
}

// parseValue checks that a value endpoint's Value is valid RDATA for the
// record type, and returns the record.
func parseValue(dec *decoder, p *jsontree.Path, value string, rrtype uint16) dns.RR {
	tname := dns.TypeToString[rrtype]
	if strings.TrimSpace(value) == "" {
		dec.errorf(p, "is empty; a %s record value is required", tname)
		return nil
	}
	if strings.ContainsAny(value, "\n\r();") {
		dec.errorf(p, "%q is not a valid %s record value", value, tname)
		return nil
	}
	rr, err := dns.NewRR(". 0 IN " + tname + " " + value)
	if err != nil || rr == nil || rr.Header().Rrtype != rrtype {
		dec.errorf(p, "%q is not a valid %s record value", value, tname)
		return nil
	}
	return rr
}

// hostName checks the DNS name of an alias-type endpoint and returns it
// fully qualified and in lower case.
func hostName(dec *decoder, p *jsontree.Path, name string) string {
	if !validHostName(name) {
		dec.errorf(p, "%q is not a valid DNS name", name)
		return ""
	}
	return dns.Fqdn(strings.ToLower(name))
}

// validHostName accepts LDH host names (plus "_", which AWS names do not
// use but DNS allows), with or without the trailing dot.
func validHostName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
