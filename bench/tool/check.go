package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// check sends the first -n queries of every query file to the server and
// checks every answer: NOERROR, authoritative, the case's number of A
// records, and, for ECS queries, an ECS option in the reply whose scope is
// non-zero when the answer depends on the location. It prints, per case,
// how many distinct answers the sample got (geo answers must vary with the
// client) and the range of ECS scopes.
func check(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	server := fs.String("server", "", "address of the benchmark server")
	dir := fs.String("dir", "", "directory written by gen")
	n := fs.Int("n", 500, "queries checked per case")
	fs.Parse(args)
	if *server == "" || *dir == "" {
		return fmt.Errorf("check: -server and -dir are required")
	}
	cl := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	failed := false
	for _, c := range cases {
		msgs, err := readQueries(filepath.Join(*dir, "queries", c.Name+".bin"), *n)
		if err != nil {
			return err
		}
		answers := map[string]int{}
		minScope, maxScope := 255, -1
		var problems []string
		for _, q := range msgs {
			r, _, err := cl.Exchange(q, *server)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if p := checkReply(c, q, r); p != "" {
				problems = append(problems, p)
				continue
			}
			answers[answerKey(r)]++
			if e := replyECS(r); e != nil {
				minScope, maxScope = min(minScope, int(e.SourceScope)), max(maxScope, int(e.SourceScope))
			}
		}
		line := fmt.Sprintf("check %-10s %d/%d queries answered as expected, %d distinct answers", c.Name,
			len(msgs)-len(problems), len(msgs), len(answers))
		if maxScope >= 0 {
			line += fmt.Sprintf(", ECS scope /%d../%d", minScope, maxScope)
		}
		fmt.Println(line)
		if len(problems) > 0 {
			failed = true
			slices.Sort(problems)
			problems = slices.Compact(problems)
			for _, p := range problems[:min(5, len(problems))] {
				fmt.Println("   ", p)
			}
		}
		if (c.Name == "geo" || c.Name == "tree" || c.Name == "many" || c.Name == "file-many" || c.Name == "consistent" || c.Name == "canary") && len(answers) < 2 {
			failed = true
			fmt.Printf("    %s: every answer is the same; the clients or names do not vary\n", c.Name)
		}
	}
	if failed {
		return fmt.Errorf("check: some answers are wrong (see above)")
	}
	return nil
}

// checkReply returns what is wrong with reply r to query q in case c, or "".
func checkReply(c benchCase, q, r *dns.Msg) string {
	name := q.Question[0].Name
	switch {
	case r.Rcode != dns.RcodeSuccess:
		return fmt.Sprintf("%s: rcode %s", name, dns.RcodeToString[r.Rcode])
	case !r.Authoritative:
		return fmt.Sprintf("%s: not authoritative", name)
	}
	a := 0
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == dns.TypeA && rr.Header().Name == name {
			a++
		}
	}
	if a != c.Answers || len(r.Answer) != a {
		return fmt.Sprintf("%s: %d A records of %d answers, want %d", name, a, len(r.Answer), c.Answers)
	}
	if c.ECS && c.TF {
		e := replyECS(r)
		if e == nil {
			return fmt.Sprintf("%s: no ECS option in the reply", name)
		}
		if e.SourceScope == 0 {
			return fmt.Sprintf("%s: ECS scope 0 for an answer that depends on the client", name)
		}
	}
	return ""
}

// answerKey identifies an answer by its sorted addresses.
func answerKey(r *dns.Msg) string {
	var addrs []string
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			addrs = append(addrs, a.A.String())
		}
	}
	slices.Sort(addrs)
	return strings.Join(addrs, ",")
}

// replyECS returns the ECS option of r, or nil.
func replyECS(r *dns.Msg) *dns.EDNS0_SUBNET {
	opt := r.IsEdns0()
	if opt == nil {
		return nil
	}
	for _, o := range opt.Option {
		if e, ok := o.(*dns.EDNS0_SUBNET); ok {
			return e
		}
	}
	return nil
}

// readQueries reads up to n messages from a dnsperf -B file.
func readQueries(path string, n int) ([]*dns.Msg, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var msgs []*dns.Msg
	for len(b) >= 2 && len(msgs) < n {
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return nil, fmt.Errorf("%s: truncated message", path)
		}
		m := new(dns.Msg)
		if err := m.Unpack(b[2 : 2+l]); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m.Id = dns.Id()
		msgs = append(msgs, m)
		b = b[2+l:]
	}
	return msgs, nil
}
