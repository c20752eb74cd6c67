package editor

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/trafficflow/trafficflow/internal/storegen"
	"github.com/trafficflow/trafficflow/policyfile"
)

// The page in a real browser: headless Chromium through chromedp, one
// browser for the test binary, a tab per test, against an editor serving
// a copy of the example store. Tests wait on the page's state with Poll.

var updateScreenshots = flag.Bool("update-screenshots", false, "write the README's screenshots (docs/editor-*.png)")

var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	tmp    string
	err    error
}

// newTab opens a tab of the test binary's browser, or skips the test when
// there is no browser (it fails instead on CI).
func newTab(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(func() {
		var path string
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			browser.err = fmt.Errorf("no Chromium or Chrome on PATH")
			return
		}
		// Chromium's profile and temporary files go to a directory of ours.
		if browser.tmp, browser.err = os.MkdirTemp("", "editor-browser-"); browser.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1440, 900),
			chromedp.UserDataDir(filepath.Join(browser.tmp, "profile")), chromedp.Env("TMPDIR="+browser.tmp))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		browser.ctx, browser.cancel = ctx, func() { cancel(); cancelAlloc() }
		browser.err = chromedp.Do(ctx) // start it
	})
	if browser.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("a browser test needs Chromium on CI: %v", browser.err)
		}
		t.Skipf("no browser: %v", browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	return ctx
}

// closeBrowser stops the browser and removes its files (from TestMain).
func closeBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.tmp != "" {
		os.RemoveAll(browser.tmp)
	}
}

// page drives one tab.
type page struct {
	t   *testing.T
	ctx context.Context
}

// open serves an editor for a copy of the example store (with MaxMind's
// test database) and opens it in a tab.
func open(t *testing.T) (*page, string) {
	p, srv, dir := openWith(t, Config{GeoIP: geoipTest})
	p.do(chromedp.Navigate(srv.URL))
	p.wait(`document.body.dataset.ready === '1'`)
	return p, dir
}

// openWith serves an editor for cfg and opens a tab for it.
func openWith(t *testing.T, cfg Config) (*page, *httptest.Server, string) {
	ctx := newTab(t)
	// An exception the page does not handle fails the test.
	var mu sync.Mutex
	var thrown []string
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			mu.Lock()
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			thrown = append(thrown, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range thrown {
			t.Errorf("the page threw %s", e)
		}
	})
	srv, dir := newTestServer(t, cfg)
	return &page{t, ctx}, srv, dir
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

// wait polls a JavaScript predicate until it holds.
func (p *page) wait(predicate string) {
	p.t.Helper()
	p.waitWithin(predicate, 30*time.Second)
}

// waitWithin polls a JavaScript predicate until it holds, for at most d.
func (p *page) waitWithin(predicate string, d time.Duration) {
	p.t.Helper()
	// A predicate that throws (an element not there yet) is false.
	js := fmt.Sprintf(`(() => { try { return (%s); } catch (e) { return false; } })()`, predicate)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(d))); err != nil {
		if buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot()); err == nil {
			name := filepath.Join(os.TempDir(), strings.ReplaceAll(p.t.Name(), "/", "-")+".png")
			if os.WriteFile(name, buf, 0o644) == nil {
				p.t.Logf("the page: %s", name)
			}
		}
		p.t.Fatalf("waiting for %s: %v", predicate, err)
	}
}

// eval evaluates JavaScript and decodes its value.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// click clicks the element sel (HTML or SVG) as a user would.
func (p *page) click(sel string) {
	p.t.Helper()
	p.wait(fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
	eval[chromedp.Void](p, fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new MouseEvent('click', {bubbles: true}))`, sel))
}

// set changes a form field's value as a user would (input, then change).
func (p *page) set(sel, value string) {
	p.t.Helper()
	p.wait(fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
	eval[chromedp.Void](p, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}

// openVersion opens a version of the store in the page.
func (p *page) openVersion(policy string, version int) {
	p.t.Helper()
	p.click(fmt.Sprintf(`a[data-policy=%q][data-version="%d"]`, policy, version))
	p.wait(fmt.Sprintf(`document.querySelector('.toolbar .title')?.textContent.startsWith('%s v%d') && document.querySelector('.validity.valid')
		&& (document.querySelectorAll('.elabel').length > 0 || document.querySelector('.map'))`, policy, version))
}

// screenshot writes docs/NAME.png with -update-screenshots.
func (p *page) screenshot(name string) {
	p.t.Helper()
	if !*updateScreenshots {
		return
	}
	p.wait(`document.body.dataset.busy === '0'`)
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", name+".png"), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// The tree of a version shows every rule and endpoint, and an edge per item.
func TestBrowserTree(t *testing.T) {
	p, _ := open(t)
	for _, c := range []struct {
		policy  string
		version int
		nodes   []string
		edges   int
	}{
		{"tree", 2, []string{"rule:by-continent", "rule:eu-split", "rule:eu-blue", "rule:eu-green", "rule:rest-pair",
			"endpoint:eu-blue-a", "endpoint:eu-blue-b", "endpoint:eu-green-a", "endpoint:eu-green-b", "endpoint:rest-a", "endpoint:rest-b"}, 11},
		{"geo", 1, []string{"rule:where-is-client", "endpoint:us-california", "endpoint:us-washington", "endpoint:us", "endpoint:uk",
			"endpoint:europe", "endpoint:china", "endpoint:asia", "endpoint:oceania", "endpoint:global"}, 10},
	} {
		p.openVersion(c.policy, c.version)
		got := eval[[]string](p, `[...document.querySelectorAll('svg.tree .node')].map(n => n.dataset.id)`)
		for _, id := range append([]string{"start"}, c.nodes...) {
			if !strings.Contains(strings.Join(got, " ")+" ", id+" ") {
				t.Errorf("%s v%d: no box %s among %v", c.policy, c.version, id, got)
			}
		}
		if n := eval[int](p, `document.querySelectorAll('svg.tree path.edge').length`); n != c.edges {
			t.Errorf("%s v%d: %d edges, want %d", c.policy, c.version, n, c.edges)
		}
		if c.policy == "tree" {
			// The weighted edge's label is the server's (policygraph): weight and share.
			if !eval[bool](p, `[...document.querySelectorAll('.elabel')].some(l => l.textContent.includes('weight 90 (90%)'))`) {
				t.Error("no label weight 90 (90%) on tree v2")
			}
			p.click(`.node[data-id="rule:eu-split"]`)
			p.wait(`document.querySelectorAll('.props fieldset.item').length === 2`)
			p.screenshot("editor-tree")
		}
	}
}

// A new policy drawn in the page (a weighted rule, two endpoints) is saved
// as a new valid version; a record bound to it and rolled back changes
// records.json.
func TestBrowserEditSaveBind(t *testing.T) {
	p, dir := open(t)
	p.click(`button[name=new-policy]`)
	p.set(`input[name=policy-name]`, "canary")
	p.set(`select[name=policy-type]`, "A")
	p.click(`button[name=create-policy]`)
	p.wait(`document.querySelector('.props h3')?.textContent === 'Start'`)
	p.set(`select[name=connect]`, "new-rule:weighted")
	p.click(`button[name=connect-go]`)
	p.wait(`document.querySelector('.props h3')?.textContent === 'Rule weighted'`)
	// The values and shares of split v1, so that the store's test of
	// weighted.example.org. ("blue/green split 3:1") passes when it is
	// bound to this version.
	for i, value := range []string{"192.0.2.101", "192.0.2.102"} {
		p.click(`.node[data-id="rule:weighted"]`)
		p.wait(`document.querySelector('.props h3')?.textContent === 'Rule weighted'`)
		p.set(`select[name=connect]`, "new-endpoint")
		p.click(`button[name=connect-go]`)
		p.wait(`document.querySelector('.props h3')?.textContent.startsWith('Endpoint')`)
		p.set(`input[name=Value]`, value)
		p.wait(fmt.Sprintf(`document.querySelectorAll('svg.tree .node.endpoint').length === %d`, i+1))
	}
	// An invalid weight: the problem shows on its edge, and the draft cannot be saved.
	p.click(`.node[data-id="rule:weighted"]`)
	p.set(`fieldset.item[data-item="1"] input[name=Weight]`, "256")
	p.wait(`document.querySelector('.elabel.error[data-key="rule:weighted#1"]') && document.querySelector('button[name=save]').disabled
		&& document.querySelector('fieldset.item[data-item="1"] .problems').textContent.includes('Rules.weighted.Items[1].Weight')`)
	p.set(`fieldset.item[data-item="1"] input[name=Weight]`, "1")
	p.set(`fieldset.item[data-item="0"] input[name=Weight]`, "3")
	// A hand edit in the JSON view redraws the tree.
	p.click(`button[name=panel-json]`)
	p.wait(`document.querySelector('textarea[name=json]').value.includes('192.0.2.102')`)
	p.set(`textarea[name=json]`, eval[string](p, `document.querySelector('textarea[name=json]').value.replaceAll('"endpoint-2"', '"second"')`))
	p.wait(`document.querySelector('.node[data-id="endpoint:second"]') && !document.querySelector('.node[data-id="endpoint:endpoint-2"]')`)
	p.click(`button[name=panel-props]`)
	p.set(`input[name=comment]`, "blue and green, 3:1")
	p.wait(`document.querySelector('.validity.valid') && !document.querySelector('button[name=save]').disabled`)
	p.screenshot("editor-edit")
	p.click(`button[name=save]`)
	p.wait(`document.querySelector('.message.ok')?.textContent.includes('policies/canary/1.json')`)

	data, err := os.ReadFile(filepath.Join(dir, "policies/canary/1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var saved struct {
		Comment  string
		Document json.RawMessage
	}
	if err := json.Unmarshal(data, &saved); err != nil || saved.Comment != "blue and green, 3:1" {
		t.Fatalf("policies/canary/1.json: %v %s", err, data)
	}
	doc, probs := policyfile.ParseDocument(saved.Document, false, true)
	if doc == nil || len(doc.Rules) != 1 || doc.Rules[0].Type != policyfile.Weighted || len(doc.Rules[0].Items) != 2 || doc.Rules[0].Items[0].Weight != 3 {
		t.Fatalf("the saved document: %v %s", probs, saved.Document)
	}
	store, probs := policyfile.Load(dir, policyfile.Options{})
	if probs.Err() != nil || store.Policies["canary"].Versions[1] == nil {
		t.Fatalf("the store after saving: %v", probs)
	}

	// Bind weighted.example.org. to canary v1, then roll it back.
	before, _ := os.ReadFile(filepath.Join(dir, "records.json"))
	row := `tr[data-record="weighted.example.org."] `
	p.wait(`[...document.querySelectorAll('select[name=rec-policy] option')].some(o => o.value === 'canary')`)
	p.set(row+`select[name=rec-policy]`, "canary")
	p.set(row+`select[name=rec-version]`, "1")
	p.click(`button[name=save-records]`)
	p.wait(`document.querySelector('.message.ok')?.textContent.includes('records.json') && !document.querySelector('button[name=save-records]')`)
	if rec := recordOnDisk(t, dir, "weighted.example.org."); rec.Policy != "canary" || rec.Version != 1 {
		t.Errorf("records.json binds weighted.example.org. to %+v, want canary 1", rec)
	}
	p.wait(`document.querySelector('.version.open .users')?.textContent.includes('weighted.example.org.')`)
	p.set(row+`select[name=rec-policy]`, "split")
	p.set(row+`select[name=rec-version]`, "1")
	p.click(`button[name=save-records]`)
	p.wait(`!document.querySelector('button[name=save-records]') && !document.querySelector('.version.open .users')`)
	if rec := recordOnDisk(t, dir, "weighted.example.org."); rec.Policy != "split" || rec.Version != 1 {
		t.Errorf("after the rollback, records.json binds weighted.example.org. to %+v", rec)
	}
	var a, b any
	after, _ := os.ReadFile(filepath.Join(dir, "records.json"))
	json.Unmarshal(before, &a)
	json.Unmarshal(after, &b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("records.json after the rollback:\n%s\nbefore:\n%s", after, before)
	}
}

// A canary started, raised and promoted in the page, then one started and
// aborted: each save writes the record's Canary as records.json has it.
func TestBrowserCanary(t *testing.T) {
	p, dir := open(t)
	type canary struct{ Version, Percent float64 }
	onDisk := func() (int, *canary) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, "records.json"))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			PolicyRecords []struct {
				Name    string
				Version int
				Canary  *canary
			}
		}
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		for _, r := range f.PolicyRecords {
			if r.Name == "www.example.org." {
				return r.Version, r.Canary
			}
		}
		t.Fatal("no www.example.org. in records.json")
		return 0, nil
	}
	save := func() {
		t.Helper()
		p.click(`button[name=save-records]`)
		p.wait(`document.querySelector('.message.ok')?.textContent.includes('records.json') && !document.querySelector('button[name=save-records]')`)
		p.click(`.message button.close`)
	}
	row, sub := `tr[data-record="www.example.org."] `, `tr[data-canary="www.example.org."] `

	// web has versions 1 and 2; www uses 1, so the canary starts with 2.
	p.click(row + `button[name=rec-canary-add]`)
	p.wait(`document.querySelector('tr[data-canary="www.example.org."] select[name=rec-canary-version]')?.value === '2'
		&& !document.querySelector('tr[data-record="www.example.org."] button[name=rec-canary-add]')`)
	p.set(sub+`input[name=rec-canary-percent]`, "10")
	save()
	if v, c := onDisk(); v != 1 || c == nil || *c != (canary{2, 10}) {
		t.Fatalf("after starting the canary: version %d, canary %+v; want 1 with canary {2 10}", v, c)
	}
	// The version list names the canary's share.
	p.wait(`[...document.querySelectorAll('.policy')].some(e => e.textContent.includes('www.example.org. (canary 10%)'))`)
	eval[chromedp.Void](p, `document.querySelector('tr[data-canary="www.example.org."]').scrollIntoView({block: 'center'})`)
	p.screenshot("editor-canary")

	// Simulating the canary's version asks for the record itself.
	p.openVersion("web", 2)
	p.click(`button[name=panel-simulate]`)
	p.wait(`document.querySelector('select[name=sim-target]')?.value === 'www.example.org.'`)

	p.set(sub+`input[name=rec-canary-percent]`, "50")
	save()
	if v, c := onDisk(); v != 1 || c == nil || *c != (canary{2, 50}) {
		t.Fatalf("after raising the canary: version %d, canary %+v; want 1 with canary {2 50}", v, c)
	}

	p.click(sub + `button[name=rec-canary-promote]`)
	p.wait(`!document.querySelector('tr[data-canary="www.example.org."]') && document.querySelector('tr[data-record="www.example.org."] select[name=rec-version]').value === '2'`)
	save()
	if v, c := onDisk(); v != 2 || c != nil {
		t.Fatalf("after the promotion: version %d, canary %+v; want 2 and no canary", v, c)
	}

	// Now the canary would be version 1; abort it before saving anything
	// but a new TTL.
	p.click(row + `button[name=rec-canary-add]`)
	p.wait(`document.querySelector('tr[data-canary="www.example.org."] select[name=rec-canary-version]')?.value === '1'`)
	p.click(sub + `button[name=rec-canary-remove]`)
	p.wait(`!document.querySelector('tr[data-canary="www.example.org."]')`)
	p.set(row+`input[name=rec-ttl]`, "30")
	save()
	if v, c := onDisk(); v != 2 || c != nil {
		t.Fatalf("after the abort: version %d, canary %+v; want 2 and no canary", v, c)
	}
}

// The page shows changes made to the store on disk without Reload: a new
// version file, a changed records.json. An edit of records.json in
// progress is kept, and saving it says that the file changed meanwhile.
func TestBrowserLiveRefresh(t *testing.T) {
	p, dir := open(t)
	writeAtomic := func(rel string, data []byte) {
		t.Helper()
		tmp := filepath.Join(dir, filepath.Dir(rel), ".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, rel)); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "policies/web/2.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic("policies/web/3.json", data)
	p.wait(`document.querySelector('a[data-policy="web"][data-version="3"]') && document.querySelector('header .store').textContent.includes('11 versions')`)

	records, err := os.ReadFile(filepath.Join(dir, "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(records), `"Version": 2, "TTL": 60`, `"Version": 2, "TTL": 45`, 1) // tree.example.org.
	if edited == string(records) {
		t.Fatal("the example records.json changed: no tree.example.org. with TTL 60")
	}
	writeAtomic("records.json", []byte(edited))
	p.wait(`document.querySelector('tr[data-record="tree.example.org."] input[name=rec-ttl]').value === '45'`)

	// An edit in progress survives the next change on disk; saving it is
	// refused with the reason.
	p.set(`tr[data-record="geo.example.org."] input[name=rec-ttl]`, "20")
	seen := eval[string](p, `document.body.dataset.storeTag`)
	writeAtomic("records.json", []byte(strings.Replace(edited, `"TTL": 45`, `"TTL": 50`, 1)))
	p.wait(fmt.Sprintf(`document.body.dataset.storeTag !== %q && document.querySelector('section.records').dataset.synced === document.body.dataset.storeTag`, seen))
	if v := eval[string](p, `document.querySelector('tr[data-record="geo.example.org."] input[name=rec-ttl]').value`); v != "20" {
		t.Fatalf("the edit in progress was replaced: geo.example.org.'s TTL shows %q", v)
	}
	p.click(`button[name=save-records]`)
	p.wait(`document.querySelector('.message.error')?.textContent.includes('changed')`)
	if got, _ := os.ReadFile(filepath.Join(dir, "records.json")); !strings.Contains(string(got), `"TTL": 50`) {
		t.Errorf("the refused save changed records.json:\n%s", got)
	}
}

// Undo and redo walk the draft's changes back and forth, from the buttons
// and the keyboard, back to the saved version.
func TestBrowserUndo(t *testing.T) {
	p, _ := open(t)
	p.openVersion("web", 1)
	value := `document.querySelector('input[name=Value]')?.value`
	p.click(`.node[data-id="endpoint:primary"]`)
	p.wait(value + ` === '192.0.2.1' && document.querySelector('button[name=undo]').disabled`)
	p.set(`input[name=Value]`, "192.0.2.11")
	p.set(`input[name=Value]`, "192.0.2.12")
	p.wait(value + ` === '192.0.2.12' && document.querySelector('.toolbar .title').textContent.includes('new version')`)

	p.click(`button[name=undo]`)
	p.wait(value + ` === '192.0.2.11' && !document.querySelector('button[name=redo]').disabled`)
	p.click(`button[name=undo]`)
	// Back to the version as saved: no longer a draft, nothing to undo.
	p.wait(value + ` === '192.0.2.1' && document.querySelector('.toolbar .title').textContent.startsWith('web v1')
		&& document.querySelector('button[name=undo]').disabled`)
	p.click(`button[name=redo]`)
	p.click(`button[name=redo]`)
	p.wait(value + ` === '192.0.2.12' && document.querySelector('button[name=redo]').disabled`)

	// A structural change, undone from the keyboard: the new endpoint goes.
	// Another version starts with no history.
	p.openVersion("split", 1)
	p.wait(`document.querySelector('button[name=undo]').disabled && document.querySelector('button[name=redo]').disabled`)
	p.click(`.node[data-id="rule:blue-green"]`)
	p.wait(`document.querySelector('.props h3')?.textContent.startsWith('Rule')`)
	nodes := `document.querySelectorAll('svg.tree .node.endpoint').length`
	p.set(`select[name=connect]`, "new-endpoint")
	p.click(`button[name=connect-go]`)
	p.wait(nodes + ` === 4`)
	eval[chromedp.Void](p, `document.activeElement?.blur(); document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'z', ctrlKey: true, bubbles: true}))`)
	p.wait(nodes + ` === 3`)
	eval[chromedp.Void](p, `document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Z', ctrlKey: true, shiftKey: true, bubbles: true}))`)
	p.wait(nodes + ` === 4`)
}

// With --health-from, the sidebar shows each check's live state on the
// server, and asks again on ↻; a state healthstate.json forces is named.
func TestBrowserLiveHealth(t *testing.T) {
	var primaryUp atomic.Bool
	metrics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := 0
		if primaryUp.Load() {
			up = 1
		}
		fmt.Fprintf(w, "coredns_trafficflow_healthcheck_status{check=\"web-primary\"} %d\ncoredns_trafficflow_healthcheck_status{check=\"web-secondary\"} 1\n", up)
	}))
	t.Cleanup(metrics.Close)
	p, srv, dir := openWith(t, Config{GeoIP: geoipTest, HealthFrom: metrics.URL})
	if err := os.WriteFile(filepath.Join(dir, "healthstate.json"), []byte(`{"pool-n1": "unhealthy"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Navigate(srv.URL))
	p.wait(`document.body.dataset.ready === '1'`)
	p.wait(`document.querySelector('li[data-check="web-primary"]')?.classList.contains('unhealthy')
		&& document.querySelector('li[data-check="web-secondary"]').classList.contains('healthy')
		&& document.querySelector('li[data-check="pool-n1"]').textContent.includes('forced unhealthy (healthstate.json)')`)
	primaryUp.Store(true)
	p.click(`button[name=health-refresh]`)
	// Well before the next of the page's own asks (every 15 s).
	p.waitWithin(`document.querySelector('li[data-check="web-primary"]').classList.contains('healthy')`, 8*time.Second)
}

// A store of many records and policies: a filter, a page of rows at a time
// (and rows added in the edit always shown), a typed policy with
// suggestions instead of a select of every policy in every row.
func TestBrowserLargeRecords(t *testing.T) {
	dir := t.TempDir()
	if err := storegen.Write(dir, storegen.Spec{Policies: 150, Versions: 2, Records: 250}); err != nil {
		t.Fatal(err)
	}
	p, srv, _ := openWith(t, Config{Dir: dir})
	p.do(chromedp.Navigate(srv.URL))
	p.wait(`document.body.dataset.ready === '1' && document.querySelectorAll('tr[data-record]').length > 0`)
	rows := `document.querySelectorAll('tr[data-record]').length`
	p.wait(rows + ` === 100 && document.querySelector('.records .more').textContent.includes('150 more')
		&& document.querySelector('tr[data-record="r0.example.org."] input[name=rec-policy]').getAttribute('list') === 'tf-policies'
		&& document.querySelectorAll('#tf-policies option').length === 150 && !document.querySelector('select[name=rec-policy]')`)

	// Filter down to one record and bind it to another policy.
	p.set(`input[name=records-filter]`, "r249.")
	p.wait(rows + ` === 1 && document.querySelector('tr[data-record="r249.example.org."]') && !document.querySelector('.records .more')`)
	p.set(`tr[data-record="r249.example.org."] input[name=rec-policy]`, "p7")
	p.wait(`document.querySelector('tr[data-record="r249.example.org."] select[name=rec-version]').value === '2'`)
	p.click(`button[name=save-records]`)
	p.wait(`document.querySelector('.message.ok')?.textContent.includes('records.json')`)
	if rec := recordOnDisk(t, dir, "r249.example.org."); rec.Policy != "p7" || rec.Version != 2 {
		t.Errorf("records.json binds r249.example.org. to %+v, want p7 version 2", rec)
	}

	// Without the filter, a record added at the end is shown beside the
	// first page; more rows on demand.
	p.set(`input[name=records-filter]`, "")
	p.wait(rows + ` === 100`)
	p.click(`button[name=add-record]`)
	p.wait(rows + ` === 101 && document.querySelector('tr[data-record="new.example.org."]')`)
	p.click(`button[name=records-more]`)
	p.wait(rows + ` === 201 && document.querySelector('.records .more').textContent.includes('50 more')`)
}

func recordOnDisk(t *testing.T, dir, name string) recordJSON {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ PolicyRecords []recordJSON }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.PolicyRecords {
		if r.Name == name {
			return r
		}
	}
	return recordJSON{}
}

// A client in Great Britain (2.2.3.1 in the test database) lights the path
// of the geo policy to endpoint uk, and the answer is 192.0.2.30.
func TestBrowserSimulate(t *testing.T) {
	p, _ := open(t)
	p.openVersion("geo", 1)
	p.click(`button[name=panel-simulate]`)
	p.set(`select[name=sim-target]`, "geo.example.org.")
	p.set(`select[name=sim-kind]`, "address")
	p.set(`input[name=sim-addr]`, "2.2.3.1")
	p.click(`button[name=simulate]`)
	p.wait(`document.querySelector('.result .answer')?.textContent.includes('192.0.2.30')`)
	p.wait(`document.querySelector('.node.answered')?.dataset.id === 'endpoint:uk'`)
	chosen := eval[[]string](p, `[...document.querySelectorAll('svg.tree path.edge.chosen')].map(e => e.dataset.key)`)
	if strings.Join(chosen, " ") != "start#-1 rule:where-is-client#3" {
		t.Errorf("chosen edges %v, want the start's and item 3 (Country GB)", chosen)
	}
	if !eval[bool](p, `document.querySelector('.node[data-id="rule:where-is-client"]').classList.contains('visited')`) {
		t.Error("the geo rule is not marked visited")
	}
	p.click(`button[name=toggle-sidebar]`) // room for the tree
	p.wait(`document.getElementById('app').classList.contains('wide')`)
	p.screenshot("editor-simulate")
	p.click(`button[name=toggle-sidebar]`)

	// A draft with the primary's health check forced down answers the secondary.
	p.openVersion("web", 1)
	p.click(`button[name=panel-simulate]`)
	p.set(`select[name=sim-target]`, "")
	p.set(`select[name=sim-kind]`, "none")
	p.set(`select[name="sim-health-web-primary"]`, "down")
	p.click(`button[name=simulate]`)
	p.wait(`document.querySelector('.result .answer')?.textContent.includes('simulated.invalid.')`)
	p.wait(`document.querySelector('.node.answered')?.dataset.id === 'endpoint:secondary'`)
	if !eval[bool](p, `!!document.querySelector('path.edge.skipped[data-key="rule:site-switch#0"]')`) {
		t.Error("the unhealthy primary is not marked skipped")
	}
}

// The map of the geo policy colours countries by the endpoint they reach;
// the geoproximity policy's grid moves when a bias changes in the draft.
func TestBrowserMap(t *testing.T) {
	p, _ := open(t)
	p.openVersion("geo", 1)
	p.click(`button[name=view-map]`)
	p.wait(`document.querySelectorAll('.map path.country.coloured').length > 100`)
	if n := eval[int](p, `document.querySelectorAll('.map path.country').length`); n < 170 {
		t.Errorf("%d country shapes", n)
	}
	gb := eval[string](p, `document.querySelector('.map path.country[data-cc=GB]').getAttribute('fill')`)
	fr := eval[string](p, `document.querySelector('.map path.country[data-cc=FR]').getAttribute('fill')`)
	ca := eval[string](p, `document.querySelector('.map path.state[data-state=CA]').getAttribute('fill')`)
	if gb == "" || gb == fr || ca == "" || ca == gb {
		t.Errorf("fills: GB %q, FR %q, US-CA %q", gb, fr, ca)
	}
	p.click(`button[name=toggle-sidebar]`) // room for the map
	p.screenshot("editor-map")
	p.click(`button[name=toggle-sidebar]`)

	// Clicking Great Britain simulates a client there.
	p.click(`.map path.country[data-cc=GB]`)
	p.wait(`document.querySelector('.result .answer')?.textContent.includes('192.0.2.30')`)

	p.openVersion("nearest", 1)
	p.wait(`document.querySelectorAll('.map .grid rect').length > 10 && document.querySelectorAll('.map .site').length === 4`)
	// The fill of the grid cell at 10°N 40°W, in the Atlantic (the map is
	// 960 × 480, equirectangular): Virginia's, until Frankfurt's bias grows.
	cell := `(() => { const svg = document.querySelector('.map svg');
		const pt = new DOMPoint((180 - 40) / 360 * 960, (90 - 10) / 180 * 480).matrixTransform(svg.getScreenCTM());
		return document.elementsFromPoint(pt.x, pt.y).find(e => e.matches('.grid rect')).getAttribute('fill'); })()`
	before := eval[string](p, cell)
	p.screenshot("editor-geoproximity")
	p.click(`button[name=view-tree]`)
	p.click(`button[name=panel-props]`)
	p.click(`.node[data-id="rule:nearest-site"]`)
	p.set(`fieldset.item[data-item="1"] input[name=Bias]`, "60")
	p.click(`button[name=view-map]`)
	p.wait(fmt.Sprintf(`(%s) !== %q`, cell, before)) // a cell of the new grid: the old one is gone
	p.screenshot("editor-geoproximity-bias")
}

// An editor with a token asks for it, and takes it from the address once.
func TestBrowserToken(t *testing.T) {
	const token = "0123456789abcdef-token"
	p, srv, _ := openWith(t, Config{Token: token})
	p.do(chromedp.Navigate(srv.URL))
	p.wait(`document.querySelector('input[name=token]')`)
	p.set(`input[name=token]`, token)
	p.click(`.welcome button`)
	p.wait(`document.body.dataset.ready === '1'`)

	// Another tab (another session storage) opened with #token=.
	p2 := &page{t, newTab(t)}
	p2.do(chromedp.Navigate(srv.URL + "/#token=" + token))
	p2.wait(`document.body.dataset.ready === '1' && location.hash === ''`)
}
