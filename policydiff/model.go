package policydiff

// Diff is what a new version of a policy changes. Its JSON field names are
// stable (trafficflow diff --json).
type Diff struct {
	Policy    string    `json:"policy"`
	Old       Version   `json:"old"`
	New       Version   `json:"new"`
	Structure Structure `json:"structure"`
	Impact    Impact    `json:"impact"`
}

// Version describes one of the two versions compared.
type Version struct {
	Version int    `json:"version"`
	Comment string `json:"comment"`
	// Where is the version's file, and the JSON path of the document in it
	// when the file holds more than the document.
	Where         string `json:"where"`
	FormatVersion string `json:"format_version"`
	RecordType    string `json:"record_type"`
	// Start is "rule ID" or "endpoint ID".
	Start string `json:"start"`
}

// Change kinds.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
	// Renamed is an endpoint removed and another added with the same type,
	// value and region.
	Renamed = "renamed"
)

// Structure is how the documents differ.
type Structure struct {
	// Document lists changes of the document as a whole: format_version,
	// record_type, start.
	Document []FieldChange `json:"document"`
	// Endpoints: renamed, changed and removed ones in the old version's
	// order, then added ones in the new version's order.
	Endpoints []EndpointChange `json:"endpoints"`
	// Rules: changed and removed ones in the old version's order, then
	// added ones in the new version's order.
	Rules []RuleChange `json:"rules"`
}

// Empty reports whether the documents are the same.
func (s *Structure) Empty() bool {
	return len(s.Document) == 0 && len(s.Endpoints) == 0 && len(s.Rules) == 0
}

// FieldChange is one field's old and new value.
type FieldChange struct {
	// Field is format_version, record_type or start (of a document); type,
	// value or region (of an endpoint); rule_type (of a rule); selector,
	// reference, health_check or evaluate_target_health (of an item).
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// EndpointChange is an endpoint added, removed, renamed or changed.
type EndpointChange struct {
	Change string `json:"change"`
	// ID is the endpoint's ID (the old one of a renamed endpoint).
	ID string `json:"id"`
	// RenamedTo is the new ID of a renamed endpoint.
	RenamedTo string    `json:"renamed_to,omitempty"`
	Old       *Endpoint `json:"old,omitempty"`
	New       *Endpoint `json:"new,omitempty"`
	// Fields are the fields of a changed endpoint that differ.
	Fields []FieldChange `json:"fields,omitempty"`
}

// Endpoint is an endpoint as one version has it.
type Endpoint struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Region string `json:"region,omitempty"`
	// Reachable reports whether the version's start reaches it.
	Reachable bool `json:"reachable"`
}

// RuleChange is a rule added, removed or changed.
type RuleChange struct {
	Change string `json:"change"`
	ID     string `json:"id"`
	Old    *Rule  `json:"old,omitempty"`
	New    *Rule  `json:"new,omitempty"`
	// Fields holds rule_type when the rule's type changed.
	Fields []FieldChange `json:"fields,omitempty"`
	// Items are every item of an added or removed rule, and the items of a
	// changed rule that were added, removed or changed, by position.
	Items []ItemChange `json:"items"`
}

// Rule is a rule as one version has it.
type Rule struct {
	Type      string `json:"type"`
	Reachable bool   `json:"reachable"`
}

// ItemChange is an item added, removed or changed, matched by its
// position in the rule.
type ItemChange struct {
	Change string `json:"change"`
	Index  int    `json:"index"`
	Old    *Item  `json:"old,omitempty"`
	New    *Item  `json:"new,omitempty"`
	// Fields are the fields of a changed item that differ.
	Fields []FieldChange `json:"fields,omitempty"`
}

// Item is an item as one version has it.
type Item struct {
	// Selector says what selects the item, as trafficflow graph labels it
	// ("Country GB", "us-east-1, bias +25", "weight 50 (25%)").
	Selector string `json:"selector"`
	// Exactly one of Rule and Endpoint: the reference.
	Rule                 string `json:"rule,omitempty"`
	Endpoint             string `json:"endpoint,omitempty"`
	HealthCheck          string `json:"health_check,omitempty"`
	EvaluateTargetHealth bool   `json:"evaluate_target_health"`
	Path                 string `json:"path"`
}

// Impact is whose answers change.
type Impact struct {
	// Clients counts the clients compared, by kind.
	Clients ClientCounts `json:"clients"`
	// Changed is how many of them get another answer.
	Changed int `json:"changed"`
	// SkippedNoPoint lists the countries left out because a version has a
	// geoproximity or latency rule and the country has no point.
	SkippedNoPoint []string `json:"skipped_no_point"`
	// Groups are the changed clients, grouped by continent and identical
	// change: every client first (continent "*") when one change is
	// everyone's, then by continent (AF, AN, AS, EU, NA, OC, SA), then the
	// clients without a continent (""), larger groups first.
	Groups []Group `json:"groups"`
}

// ClientCounts counts clients by kind.
type ClientCounts struct {
	Total int `json:"total"`
	// Continents are clients with a continent and no country.
	Continents int `json:"continents"`
	Countries  int `json:"countries"`
	// Subdivisions are US states, and the other subdivisions the documents
	// name.
	Subdivisions int `json:"subdivisions"`
	// NoLocation is the client without location data (1).
	NoLocation int `json:"no_location"`
}

// Group is clients whose answers change in the same way.
type Group struct {
	// Continent is the clients' continent, "" for clients without one (no
	// location data, a country outside Route 53's table), or "*" for every
	// client compared.
	Continent string `json:"continent"`
	// Whole reports whether the group is every client compared of its
	// continent.
	Whole bool `json:"whole"`
	// Clients are labels: a country ("GB"), a subdivision ("US-CA"), a
	// continent alone ("continent EU"), or "no location".
	Clients []string `json:"clients"`
	Old     []Share  `json:"old"`
	New     []Share  `json:"new"`
}

// Share is an answer value and how likely an answer holds it (1 for a
// deterministic answer; a weighted rule's share; for a multivalue rule the
// chance the value is among the answers). No shares means no answer.
type Share struct {
	// Value is the record value of value endpoints (as the answer writes
	// it) or "alias NAME" for alias-type endpoints.
	Value string `json:"value"`
	// Endpoints are the version's endpoints with that value.
	Endpoints   []string `json:"endpoints"`
	Probability float64  `json:"probability"`
}
