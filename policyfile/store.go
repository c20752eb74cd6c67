package policyfile

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// MissingHealthCheck says what becomes of a reference, in a version a
// record uses, to a health check healthchecks.json does not define (the
// Corefile's missing_healthcheck, validate's --missing-healthcheck).
type MissingHealthCheck string

// Modes for references to undefined health checks.
const (
	// MissingError makes it a load error (the default).
	MissingError MissingHealthCheck = ""
	// MissingHealthy treats the check as always healthy, with a warning.
	MissingHealthy MissingHealthCheck = "healthy"
	// MissingUnhealthy treats the check as always unhealthy, with a warning.
	MissingUnhealthy MissingHealthCheck = "unhealthy"
)

// Options tune Load.
type Options struct {
	// Strict turns every warning into an error.
	Strict bool
	// Zones are the DNS zones the store is served in (fully qualified).
	// When set, a CNAME policy record at a zone apex is an error and records
	// outside every zone are reported (with a warning: they are not served).
	Zones []string
	// MissingHealthCheck says what a reference to an undefined health check
	// does.
	MissingHealthCheck MissingHealthCheck
	// Previous is the store currently in service, if any. A record whose
	// type would change from the previous store's is an error, as Route 53
	// rejects such an update with ConflictingTypes.
	Previous *Store
}

// Store is a loaded, validated policy store. It is immutable.
type Store struct {
	// Dir is the store directory as given to Load.
	Dir string
	// Policies by name.
	Policies map[string]*Policy
	// Records sorted by name.
	Records []*Record
	// Aliases sorted by name.
	Aliases []*Alias
	// HealthChecks sorted by ID.
	HealthChecks []*HealthCheck
	// Forced holds the states forced by healthstate.json.
	Forced map[string]ForcedState
	// Missing holds health-check IDs that documents in use refer to but
	// healthchecks.json does not define, with the state they are treated
	// as having (only with MissingHealthy or MissingUnhealthy).
	Missing map[string]ForcedState
	// Locations are the region and Local Zone points in effect.
	Locations *Locations
	// Tests are the policy tests of tests.json, in file order.
	Tests []*Test
	// Warnings found while loading.
	Warnings Problems

	records map[string]*Record
}

// Summary describes what the store holds in one line.
func (s *Store) Summary() string {
	versions := 0
	for _, p := range s.Policies {
		versions += len(p.Versions)
	}
	return fmt.Sprintf("%s, %s, %s, %s, %s",
		plural(len(s.Policies), "policy", "policies"), plural(versions, "version", "versions"),
		plural(len(s.Records), "policy record", "policy records"), plural(len(s.Aliases), "alias", "aliases"),
		plural(len(s.HealthChecks), "health check", "health checks"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Policy is a named traffic policy and its versions.
type Policy struct {
	Name string
	// ID is the Route 53 Id of the policy when its files carry one
	// (get-traffic-policy output), so that TrafficPolicyInstances can refer
	// to it.
	ID       string
	Versions map[int]*Version
}

// Numbers returns the policy's version numbers in ascending order.
func (p *Policy) Numbers() []int { return slices.Sorted(maps.Keys(p.Versions)) }

// Version is one immutable version of a policy.
type Version struct {
	Policy  string
	Number  int
	Comment string
	// File is the file the version came from, relative to the store.
	File string
	// Path is the JSON path of the document inside File ("" when the file
	// is the document).
	Path     string
	Document *Document
}

// Record is a policy record: a DNS name answered by one version of one
// policy, with one TTL.
type Record struct {
	// Name is the lower-case, fully qualified name.
	Name    string
	Policy  string
	Version int
	TTL     uint32
	// Ver is the version the record uses.
	Ver *Version
	// Canary, when set, answers a share of the clients from another
	// version.
	Canary *Canary
	// File and Path locate the record's definition.
	File, Path string
}

// Canary answers Percent of a record's clients (chosen by a hash of their
// subnet and the record's name: the same clients every time, on every
// server) from version Version instead of the record's.
type Canary struct {
	Version int
	// Percent is the share of clients, 0..100.
	Percent float64
	// Ver is the canary version.
	Ver *Version
}

// Alias is another name for a policy record: queries for Name are answered
// by Record's policy, with Name as the owner.
type Alias struct {
	Name string
	// Target is the name the alias points at (a record or another alias).
	Target string
	// Record is the policy record at the end of the alias chain.
	Record *Record
	// File and Path locate the alias's definition.
	File, Path string
}

// loader holds the state of one Load.
type loader struct {
	fsys  fs.FS
	opts  Options
	probs Problems
	store *Store
	// seen lists the policies and version numbers found on disk, whether
	// or not they loaded, so that a record using a broken version is not
	// reported a second time.
	seen map[string]map[int]bool
	// hcRefs lists every health-check reference of every version.
	hcRefs []hcRef
	// recordNames maps every name records.json defines, whether or not
	// it loaded, to the path of its definition.
	recordNames map[string]string
}

type hcRef struct {
	id   string
	ver  *Version
	path string
}

// Load reads and validates the store in dir. It returns the store and
// every problem found (errors and warnings), sorted by file. When problems
// include an error (problems.Err() != nil) the store is incomplete: it
// tells what did load, for a summary, and must not be served.
func Load(dir string, opts Options) (*Store, Problems) {
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return &Store{Dir: dir}, Problems{{File: dir, Message: errText(err)}}
	case !fi.IsDir():
		return &Store{Dir: dir}, Problems{{File: dir, Message: "is not a directory"}}
	}
	return LoadFS(os.DirFS(dir), dir, opts)
}

// LoadFS is Load for a store in a file system; dir is only recorded in
// Store.Dir.
func LoadFS(fsys fs.FS, dir string, opts Options) (*Store, Problems) {
	l := &loader{
		fsys: fsys,
		opts: opts,
		store: &Store{
			Dir:       dir,
			Policies:  map[string]*Policy{},
			Forced:    map[string]ForcedState{},
			Locations: &Locations{},
			records:   map[string]*Record{},
		},
		seen: map[string]map[int]bool{},
	}
	if n, dec := l.open("locations"); n != nil {
		l.loadLocations(dec, n)
	}
	l.loadPolicies()
	if n, dec := l.open("healthchecks"); n != nil {
		l.loadHealthChecks(dec, n)
	}
	if n, dec := l.open("healthstate"); n != nil {
		l.loadHealthState(dec, n)
	}
	if n, dec := l.open("records"); n != nil {
		l.loadRecords(dec, n)
	}
	l.checkHealthRefs()
	if n, dec := l.open("tests"); n != nil {
		l.loadTests(dec, n)
	}

	sortProblems(l.probs)
	l.probs.promote()
	l.store.Warnings = l.probs.Warnings()
	return l.store, l.probs
}

func errText(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// syntaxExts are the file extensions the store reads, and whether each is
// YAML.
var syntaxExts = map[string]bool{".json": false, ".yaml": true, ".yml": true}

// open reads and parses DIR/base.{json,yaml,yml}. It returns nil when the
// file does not exist or cannot be parsed (which has been reported).
func (l *loader) open(base string) (*jsontree.Node, *decoder) {
	var found []string
	for _, ext := range []string{".json", ".yaml", ".yml"} {
		if _, err := fs.Stat(l.fsys, base+ext); err == nil {
			found = append(found, base+ext)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		l.probs = append(l.probs, Problem{File: found[0], Message: fmt.Sprintf("%s also exists; keep only one of them", strings.Join(found[1:], " and "))})
		return nil, nil
	}
	return l.parseFile(found[0])
}

// decoder returns a decoder for a store file (relative to the store).
func (l *loader) decoder(rel string) *decoder {
	return &decoder{file: rel, strict: l.opts.Strict, out: &l.probs}
}

// parseFile reads and parses a store file given relative to the store.
func (l *loader) parseFile(rel string) (*jsontree.Node, *decoder) {
	dec := l.decoder(rel)
	if fi, err := fs.Stat(l.fsys, rel); err == nil && fi.Size() > MaxFileSize {
		l.probs = append(l.probs, Problem{File: rel, Message: fmt.Sprintf("is %d bytes long; a store file may have at most %d MiB", fi.Size(), MaxFileSize>>20)})
		return nil, nil
	}
	data, err := fs.ReadFile(l.fsys, rel)
	if err != nil {
		l.probs = append(l.probs, Problem{File: rel, Message: errText(err)})
		return nil, nil
	}
	n, err := jsontree.Parse(data, syntaxExts[strings.ToLower(path.Ext(rel))])
	if err != nil {
		l.probs = append(l.probs, Problem{File: rel, Message: err.Error()})
		return nil, nil
	}
	return n, dec
}
