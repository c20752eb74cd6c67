// Package explain holds the answer to "why did this client get that?": the
// decision path of one query through a policy record, as the plugin's own
// evaluation took it, and its renderings as text and as JSON.
//
// The plugin fills an Explanation (trafficflow explain, the live explain
// of a CH TXT query, the editor's simulation); this package only describes
// and renders it, so that every place shows the same facts. The JSON field
// names are stable: scripts may rely on them (README, "trafficflow
// explain").
package explain

// Explanation is the decision path of one query.
type Explanation struct {
	// Query is the question: the name as asked and the type.
	Query Query `json:"query"`
	// Client is who asked, and where the client was placed.
	Client Client `json:"client"`
	// Links are the names the answer went through: the queried name's
	// policy record first, then, for a CNAME policy, each name of the
	// chain the store answers too.
	Links []Link `json:"links"`
	// Answer is the reply the server gives.
	Answer Answer `json:"answer"`
	// Health lists the state of every health check the policies use, and
	// where it came from.
	Health []Health `json:"health"`
	// Seed is the random seed of the query's draws (weighted, multivalue):
	// the same seed gives the same answer.
	Seed uint64 `json:"seed"`
}

// Query is the question of a query.
type Query struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Client is who asked and what the plugin knows about them.
type Client struct {
	// Source is where the location came from: "ecs" (the query's client
	// subnet), "address" (the resolver's address), "location" or
	// "coordinates" (placed there, without a GeoIP lookup), or "none".
	Source string `json:"source"`
	// Address is the address looked up ("" when placed without one).
	Address string `json:"address,omitempty"`
	// ECS is the client subnet of the query, as sent.
	ECS string `json:"ecs,omitempty"`
	// Location is what the GeoIP database (or the placement) says.
	Location *Location `json:"location,omitempty"`
	// Network is the GeoIP network the location is valid for.
	Network string `json:"network,omitempty"`
	// LatencyRow is the latency-table network whose row applies.
	LatencyRow string `json:"latency_row,omitempty"`
}

// Location is a client's location as evaluation uses it.
type Location struct {
	Country     string `json:"country,omitempty"`
	Subdivision string `json:"subdivision,omitempty"`
	// Continent is Route 53's continent of the country (its own table), or
	// the database's when the country has none.
	Continent string `json:"continent,omitempty"`
	// Latitude and Longitude are set when HasCoordinates is.
	HasCoordinates bool    `json:"has_coordinates"`
	Latitude       float64 `json:"latitude,omitempty"`
	Longitude      float64 `json:"longitude,omitempty"`
}

// Link is one name of the answer and the policy that answered it.
type Link struct {
	// Name is the name answered (as asked, or a CNAME target).
	Name string `json:"name"`
	// Aliases is the chain of alias names from Name to the policy record
	// (empty when Name is the record itself).
	Aliases []string `json:"aliases,omitempty"`
	// Record is the policy record that answers.
	Record Record `json:"record"`
	// Steps are the rules decided, in order, then the endpoints answered.
	Steps []Step `json:"steps"`
	// Endpoints are the IDs of the endpoints answered.
	Endpoints []string `json:"endpoints"`
	// NoAnswer says the policy had no answer for the client (a geo rule
	// without an applicable location).
	NoAnswer bool `json:"no_answer,omitempty"`
}

// Record is a policy record.
type Record struct {
	Name    string `json:"name"`
	Policy  string `json:"policy"`
	Version int    `json:"version"`
	TTL     uint32 `json:"ttl"`
	// Where is the record's definition: "records.json: PolicyRecords[0]".
	Where string `json:"where"`
	// Document is the file (and JSON path) of the version's document.
	Document string `json:"document"`
	// Canary is the record's canary rollout, if it has one; Version above
	// is the version that answered this client.
	Canary *Canary `json:"canary,omitempty"`
}

// Canary is a record's canary rollout and the client's side of it.
type Canary struct {
	// Version answers Percent of the clients, chosen by their subnet.
	Version int     `json:"version"`
	Percent float64 `json:"percent"`
	// Side is "canary" when this client is among them, else "stable".
	Side string `json:"side"`
}

// Step is one rule decided.
type Step struct {
	// Rule is the rule's ID, Type its RuleType, Path its JSON path.
	Rule string `json:"rule"`
	Type string `json:"type"`
	Path string `json:"path"`
	// Chosen is the index of the item taken (-1: none applied).
	Chosen int `json:"chosen"`
	// FailOpen says no applicable item was healthy, so the rule chose as
	// if all were.
	FailOpen bool `json:"fail_open,omitempty"`
	// Items are every item of the rule, with what the decision saw.
	Items []Item `json:"items"`
	// Ranking says how geoproximity and latency items were ordered:
	// "distance", "biased distance", "latency table", "document order".
	Ranking string `json:"ranking,omitempty"`
	// Note explains the decision in words.
	Note string `json:"note"`
}

// Item is one item of a rule and what the decision saw of it.
type Item struct {
	Index int    `json:"index"`
	Path  string `json:"path"`
	// Label says what selects the item: "Primary", "Country GB",
	// "us-east-1, bias +25", "weight 50".
	Label string `json:"label"`
	// Rule or Endpoint is what the item points at.
	Rule     string `json:"rule,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// Applies is false for geo locations of other places.
	Applies bool `json:"applies"`
	// Healthy is the branch's health as the rule saw it; Why says why
	// not ("health check web-primary is unhealthy", "EvaluateTargetHealth:
	// no branch of rule eu is healthy").
	Healthy bool   `json:"healthy"`
	Why     string `json:"why,omitempty"`
	// HealthCheck is the branch's health check, if any.
	HealthCheck string `json:"health_check,omitempty"`
	// Distance is the distance from the client in km, and Biased the
	// distance with the bias applied (geoproximity), when known.
	Distance *float64 `json:"distance_km,omitempty"`
	Biased   *float64 `json:"biased_km,omitempty"`
	// RTT is the client's round-trip time to the region from the latency
	// table, in ms.
	RTT *float64 `json:"rtt_ms,omitempty"`
	// Weight and Share (0..1, of the items the draw was among) for
	// weighted rules.
	Weight *int     `json:"weight,omitempty"`
	Share  *float64 `json:"share,omitempty"`
	// Chosen says the decision took this item (for multivalue: it is in
	// the sample).
	Chosen bool `json:"chosen"`
}

// Answer is the reply.
type Answer struct {
	// Rcode is the reply's rcode ("NOERROR", "SERVFAIL", ...).
	Rcode string `json:"rcode"`
	// Records are the answer records in presentation format.
	Records []string `json:"records"`
	// TTL is the records' TTL (the record's, or less for alias targets).
	TTL uint32 `json:"ttl"`
	// ECSScope is the scope prefix of the reply's client-subnet option
	// (nil when the query had none).
	ECSScope *int `json:"ecs_scope,omitempty"`
	// FailOpen says a rule on the way fell open.
	FailOpen bool `json:"fail_open,omitempty"`
	// Note explains an empty or failed answer.
	Note string `json:"note,omitempty"`
}

// Health is a health check's state for the explanation.
type Health struct {
	ID      string `json:"id"`
	Healthy bool   `json:"healthy"`
	// Source says where the state came from: "live" (the running
	// checks), "healthstate.json", "--health", "missing_healthcheck", or
	// "default" (the command does not probe: healthy).
	Source string `json:"source"`
}
