package trafficflow

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

// ExplainDocument answers for a draft as Explain answers for a record that
// uses the same document: the same records and the same decision path.
func TestExplainDocumentAgreesWithExplain(t *testing.T) {
	geoip := testdataPath(t, "geoip/GeoIP2-City-Test.mmdb")
	x, _, err := NewExplainer(ExplainConfig{Dir: "examples/store", GeoIP: geoip, Health: map[string]bool{"draft-only": false}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("examples/store/policies/geo/1.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, probs := policyfile.ParseDocument(data, false, false)
	if doc == nil {
		t.Fatal(probs)
	}
	for _, client := range []ExplainClient{
		{ECS: netip.MustParsePrefix("2.2.3.0/24")},
		{Addr: netip.MustParseAddr("214.78.120.1")},
		{Location: &geo.Location{Country: "SE"}},
		{},
	} {
		want, err := x.Explain("geo.example.org.", 0, client, 7)
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.ExplainDocument(doc, 60, client, 7)
		if err != nil {
			t.Fatal(err)
		}
		w := strings.ReplaceAll(strings.Join(want.Answer.Records, "; "), "geo.example.org.", SimulatedName)
		if g := strings.Join(got.Answer.Records, "; "); g != w {
			t.Errorf("%+v: draft answers %q, the record %q", client, g, w)
		}
		if len(got.Links) != 1 || len(got.Links[0].Steps) != 1 || got.Links[0].Steps[0].Chosen != want.Links[0].Steps[0].Chosen {
			t.Errorf("%+v: draft path %+v, record path %+v", client, got.Links, want.Links)
		}
	}

	// A check only the draft uses reads the Explainer's Health.
	data = []byte(`{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "f",
	  "Endpoints": {"a": {"Type": "value", "Value": "192.0.2.1"}, "b": {"Type": "value", "Value": "192.0.2.2"}},
	  "Rules": {"f": {"RuleType": "failover", "Primary": {"EndpointReference": "a", "HealthCheck": "draft-only"},
	    "Secondary": {"EndpointReference": "b"}}}}`)
	doc, probs = policyfile.ParseDocument(data, false, false)
	if doc == nil {
		t.Fatal(probs)
	}
	ex, err := x.ExplainDocument(doc, 30, ExplainClient{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ex.Answer.Records, "; "); !strings.Contains(got, "192.0.2.2") || len(ex.Health) != 1 || ex.Health[0].Healthy {
		t.Errorf("draft with an unhealthy check answers %q, health %+v", got, ex.Health)
	}
}
