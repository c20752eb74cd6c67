package health

import "time"

// initialDelay is the random offset of a check's first probe, below
// min(interval, 1s), so that checks loaded together do not probe in step.
func (e *Engine) initialDelay(iv time.Duration) time.Duration {
	return time.Duration(e.random() * float64(min(iv, time.Second)))
}

// nextDelay is the time between the starts of two probes: the interval
// ±5 %, so that a failure is detected within about
// RequestInterval × FailureThreshold.
func (e *Engine) nextDelay(iv time.Duration) time.Duration {
	return time.Duration(float64(iv) * (0.95 + 0.1*e.random()))
}

// firstDelay is the time to c's first probe. A check carried from a
// running engine (a Corefile restart) goes on at that engine's pace: its
// first probe comes an interval after that engine's last, so that the
// restart does not stretch the time to notice a change. Caller holds e.mu.
func (e *Engine) firstDelay(c *check) time.Duration {
	iv := c.cfg.RequestInterval
	if c.carried && !c.lastProbe.IsZero() {
		return min(max(c.lastProbe.Add(e.nextDelay(iv)).Sub(e.now()), 0), iv)
	}
	return e.initialDelay(iv)
}

// launch starts c's prober if c is probed. Caller holds e.mu.
func (e *Engine) launch(c *check) bool {
	if !probed(c.cfg) || c.done != nil {
		return false
	}
	c.done = make(chan struct{})
	c.launched = e.now()
	e.wg.Add(1)
	go e.run(c, c.done, e.firstDelay(c))
	return true
}

// run probes c, first after delay, then every interval until c's context
// is cancelled (by Update removing or changing c, or by Stop).
func (e *Engine) run(c *check, done chan struct{}, delay time.Duration) {
	defer e.wg.Done()
	defer close(done)
	iv := c.cfg.RequestInterval
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		e.probeOnce(c)
		t.Reset(max(e.nextDelay(iv)-time.Since(start), 0))
	}
}

// probeOnce runs one probe of c and counts its result. At most one probe
// of c is in flight, and no probe waits for another check's: the probes in
// flight are bounded by the number of checks (each by its timeout, at most
// its interval), and a backend that hangs delays only its own check.
func (e *Engine) probeOnce(c *check) {
	c.probeMu.Lock()
	defer c.probeMu.Unlock()
	if c.ctx.Err() != nil {
		return // removed, changed or stopped meanwhile
	}
	e.inFlight.Add(1)
	ok, reason := e.probe(c.ctx, c)
	e.inFlight.Add(-1)

	e.mu.Lock()
	defer e.mu.Unlock()
	e.applyResult(c, ok, reason)
}
