package main

// benchCase is one dnsperf run of the benchmark.
type benchCase struct {
	// Name names the query file (queries/NAME.bin) and the result files.
	Name string
	// Title is the row label of the report.
	Title string
	// ECS says whether every query carries an EDNS Client Subnet option
	// drawn from the client list.
	ECS bool
	// Like is the file plugin case that answers queries and answers of the
	// same shape (ECS, eight records, 10,000 names), for a like-for-like
	// ratio; every case is also compared with the static baseline, "file".
	Like string
	// Answers is the number of A records every answer must hold.
	Answers int
	// TF says whether trafficflow answers (else file does).
	TF bool
}

// The zones, the names file answers, and the size of (f).
const (
	zone        = "example.org."
	staticName  = "static.example.org."
	static8Name = "static8.example.org."
	staticAddr  = "192.0.2.1"
	manyZone    = "many.example.org."
	// fileManyZone is a zone of manyRecords A records in its own server
	// block, so that its size does not slow the static baseline.
	fileManyZone = "filemany.example.org."
	// manyRecords policy records over manyPolicies policies of manyVersions
	// versions each.
	// consistentZone is served by an instance with the directive's
	// consistent option, case (g).
	consistentZone = "consistent.example.org."
	manyRecords    = 10000
	manyPolicies   = 1000
	manyVersions   = 3
)

// cases are run in this order in every round.
var cases = []benchCase{
	{Name: "file", Title: "file: static A (baseline)", Like: "file", Answers: 1},
	{Name: "file-ecs", Title: "file: static A, ECS", ECS: true, Like: "file-ecs", Answers: 1},
	{Name: "file-8", Title: "file: static, 8 A records", Like: "file-8", Answers: 8},
	{Name: "file-many", Title: "file: 10,000 names", Like: "file-many", Answers: 1},
	{Name: "single", Title: "(a) single endpoint", Like: "file", Answers: 1, TF: true},
	{Name: "weighted", Title: "(b) weighted, 4 endpoints", Like: "file", Answers: 1, TF: true},
	{Name: "geo", Title: "(c) geo, ECS clients", ECS: true, Like: "file-ecs", Answers: 1, TF: true},
	{Name: "tree", Title: "(d) geo → weighted → failover, ECS", ECS: true, Like: "file-ecs", Answers: 1, TF: true},
	{Name: "multivalue", Title: "(e) multivalue, 8 answers", Like: "file-8", Answers: 8, TF: true},
	{Name: "many", Title: "(f) 10,000 policy records", Like: "file-many", Answers: 1, TF: true},
	{Name: "consistent", Title: "(g) weighted, consistent mode, ECS", ECS: true, Like: "file-ecs", Answers: 1, TF: true},
	{Name: "canary", Title: "(h) canary rollout (10%), ECS", ECS: true, Like: "file-ecs", Answers: 1, TF: true},
}

// caseNamed returns the case called name.
func caseNamed(name string) (benchCase, bool) {
	for _, c := range cases {
		if c.Name == name {
			return c, true
		}
	}
	return benchCase{}, false
}
