package trafficflow

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// reloadGeoPolicy answers 192.0.2.30 in GB and 192.0.2.99 elsewhere.
const reloadGeoPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"where",
"Endpoints":{"gb":{"Type":"value","Value":"192.0.2.30"},"other":{"Type":"value","Value":"192.0.2.99"}},
"Rules":{"where":{"RuleType":"geo","Locations":[{"Country":"GB","EndpointReference":"gb"},{"Country":"*","EndpointReference":"other"}]}}}`

// TestReloadGeoIP changes only the GeoIP database file, in the ways files
// change: the client 2.2.3.0/24 is in GB in GeoIP2-City-Test.mmdb and
// unknown in GeoLite2-City-Test.mmdb. A corrupt database keeps the running
// one; a database changed while the store is invalid is used once the
// store is fixed.
func TestReloadGeoIP(t *testing.T) {
	const (
		client = "2.2.3.0/24"
		gb     = "192.0.2.30"
		other  = "192.0.2.99"
	)
	mmdb := func(name string) string {
		b, err := os.ReadFile(testdataPath(t, filepath.Join("geoip", name)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	city, lite := mmdb("GeoIP2-City-Test.mmdb"), mmdb("GeoLite2-City-Test.mmdb")
	db := filepath.Join(t.TempDir(), "City.mmdb")
	mustWriteFile(t, db, city)
	store := map[string]string{
		"policies/geo/1.json": reloadGeoPolicy,
		"policies/web/1.json": valuePolicy("A", "192.0.2.1"),
		"records.json":        recordsFile(prec{"geo.example.org.", "geo", 1}, prec{"www.example.org.", "web", 1}),
	}
	dir := writeFiles(t, store)
	records := filepath.Join(dir, "records.json")
	tf := newPlugin(t, pluginOpts{dir: dir, block: "geoip " + db + "\nreload 0s", watch: true})
	assertAnswer(t, tf, "geo.example.org.", client, gb)

	// fails changes a file and waits for a failed reload.
	fails := func(what string, change func()) {
		t.Helper()
		failure := reloadCount(t, "failure")
		change()
		pollUntil(t, answerWait, func() (bool, string) {
			return reloadCount(t, "failure") > failure, what + ": no failed reload"
		})
	}

	// A query that loaded the snapshot before the swap still finishes on
	// the database it started with.
	inFlight := tf.snap.Load()
	renameOver(t, db, lite)
	waitAnswer(t, tf, "geo.example.org.", client, other)
	if loc, _ := inFlight.geo.Lookup(netip.MustParseAddr("2.2.3.1")); loc.Country != "GB" {
		t.Errorf("the replaced database answers %+v for 2.2.3.1 to queries still using it, want GB", loc)
	}

	truncateAndWrite(t, db, city)
	waitAnswer(t, tf, "geo.example.org.", client, gb)

	fails("a corrupt database", func() { renameOver(t, db, mmdb("GeoIP2-City-Test-Broken-Double-Format.mmdb")) })
	assertAnswer(t, tf, "geo.example.org.", client, gb)
	renameOver(t, db, lite)
	waitAnswer(t, tf, "geo.example.org.", client, other)

	// While the store is invalid, the database changes; fixing the store
	// must bring the new database in, not keep the one in service.
	fails("an invalid store", func() { renameOver(t, records, `{"PolicyRecords":`) })
	fails("a new database with the store invalid", func() { renameOver(t, db, city) })
	assertAnswer(t, tf, "geo.example.org.", client, other)
	renameOver(t, records, store["records.json"])
	waitAnswer(t, tf, "geo.example.org.", client, gb)

	// And the other way round: a corrupt database fails its reload, and
	// the database in service stays in service, also for a later change of
	// the store, until the file changes again.
	fails("a corrupt database", func() { renameOver(t, db, mmdb("GeoIP2-City-Test-Invalid-Node-Count.mmdb")) })
	assertAnswer(t, tf, "geo.example.org.", client, gb)
	renameOver(t, records, recordsFile(prec{"geo.example.org.", "geo", 1}, prec{"www.example.org.", "web", 1}, prec{"new.example.org.", "web", 1}))
	waitAnswer(t, tf, "new.example.org.", "", "192.0.2.1")
	assertAnswer(t, tf, "geo.example.org.", client, gb)
	renameOver(t, db, lite)
	waitAnswer(t, tf, "geo.example.org.", client, other)
}
