package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/trafficflow/trafficflow/policyfile"
)

// parseVersion reads a VERSION argument of command cmd, or prints why it
// is not one (a usage error) and reports false.
func parseVersion(cmd, s string, stderr io.Writer) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		fmt.Fprintf(stderr, "trafficflow %s: VERSION must be a version number (1, 2, ...), not %q\n", cmd, s)
		return 0, false
	}
	return n, true
}

// loadVersions loads the store in dir and returns the given versions of
// policy name. When the store is invalid it prints its problems as validate
// does; when the policy or a version does not exist it says which ones do;
// either way it reports false (exit status 1).
func loadVersions(cmd, dir string, opts policyfile.Options, name string, numbers []int, stderr io.Writer) ([]*policyfile.Version, bool) {
	store, probs := policyfile.Load(dir, opts)
	if errs := probs.Errors(); len(errs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(stderr, p.String())
		}
		fmt.Fprintf(stderr, "%s: invalid: %s, %s; run trafficflow validate %s\n", dir, count(len(errs), "error"), count(len(probs.Warnings()), "warning"), dir)
		return nil, false
	}
	policy := store.Policies[name]
	if policy == nil {
		names := slices.Sorted(maps.Keys(store.Policies))
		fmt.Fprintf(stderr, "trafficflow %s: %s has no policy %q (policies: %s)\n", cmd, dir, name, orNone(names))
		return nil, false
	}
	var out []*policyfile.Version
	for _, n := range numbers {
		v := policy.Versions[n]
		if v == nil {
			var have []string
			for _, h := range policy.Numbers() {
				have = append(have, strconv.Itoa(h))
			}
			fmt.Fprintf(stderr, "trafficflow %s: policy %q has no version %d (versions: %s)\n", cmd, name, n, orNone(have))
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}
