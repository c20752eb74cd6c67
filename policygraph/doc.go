// Package policygraph draws one version of a traffic policy: it turns a
// *policyfile.Document into a graph (New) and renders the graph as Graphviz
// DOT (Graph.DOT), a Mermaid flowchart (Graph.Mermaid) or a standalone SVG
// picture laid out by the package itself (Graph.SVG), with no external
// program.
//
// The graph has a start marker, one node per rule and one per endpoint, and
// one edge per item of a rule, from the rule to the rule or endpoint the
// item references, labelled by what selects it: Primary or Secondary, the
// geo location, the geoproximity location and bias, the latency region, the
// weight and its share, or multivalue; the health check of the branch and
// an EvaluateTargetHealth of false are shown on the edge too. A rule or an
// endpoint referenced by several items appears once, with several incoming
// edges: the graph is the document's DAG, not a tree.
//
// Only what the start reaches is drawn: rules and endpoints the start never
// reaches (which Route 53's console deletes, and validate warns about) are
// left out. Nodes and edges come in document order, so the output is
// deterministic.
//
// The SVG layout (Arrange) is layered, in the manner of Sugiyama: a node's
// layer is its longest path from the start; edges that span several layers
// run through virtual points; the order within each layer comes from a
// depth-first walk in document order, changed by barycenter sweeps only
// where they remove crossings (so Primary stays left of Secondary unless
// that costs a crossing, as when several Secondaries share an endpoint);
// the x coordinates keep each layer's order and spacing and pull lines
// straight; each edge's label is a box of its own in the band just below
// the source, so labels overlap neither nodes nor each other. Parallel edges (several
// items of one rule that reference the same rule or endpoint, as a 50-state
// geo rule over five endpoints has) are drawn as one line whose label lists
// every selector.
package policygraph
