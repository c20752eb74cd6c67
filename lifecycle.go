package trafficflow

import (
	"sync"

	"github.com/coredns/caddy"
)

// Instances across Corefile restarts.
//
// Caddy runs a new instance's OnStartup callbacks before it opens the new
// listeners; when opening them fails (a port that is taken), the restart
// fails, the old instance keeps serving, and the new instance gets no
// OnShutdown: its watcher and health checks would run for ever, one more
// set per failed restart. So every instance belongs to the group of the
// Caddy instance that set it up, and a group that started is "pending"
// until Caddy announces that its instance serves (InstanceStartupEvent).
// Pending groups that never serve are stopped: when a restart fails (the
// old instance's OnRestartFailed, if it has trafficflow), and in any case
// when another instance starts serving.

// groupKey is the key of an instance's group in the Caddy instance's
// storage.
type groupKey struct{}

// group is the trafficflow instances one Caddy instance set up.
type group struct {
	members []*TrafficFlow
}

// groups tracks the groups that started and do not serve (yet).
var groups = struct {
	sync.Mutex
	pending map[*group]bool
}{pending: map[*group]bool{}}

func init() {
	caddy.RegisterEventHook(pluginName, func(event caddy.EventName, info any) error {
		if event != caddy.InstanceStartupEvent {
			return nil
		}
		inst, ok := info.(*caddy.Instance)
		if !ok {
			return nil
		}
		inst.StorageMu.RLock()
		g, _ := inst.Storage[groupKey{}].(*group)
		inst.StorageMu.RUnlock()
		serving(g)
		return nil
	})
}

// join adds tf to the group of the Caddy instance that sets it up, and
// registers the callbacks that clean failed restarts up.
func join(c *caddy.Controller, tf *TrafficFlow) {
	g, _ := c.Get(groupKey{}).(*group)
	if g == nil {
		g = &group{}
		c.Set(groupKey{}, g)
		// Registered on this instance: when a later restart from it fails,
		// the group that failed to start is stopped.
		c.OnRestartFailed(func() error { stopPending(nil); return nil })
	}
	g.members = append(g.members, tf)
	tf.group = g
}

// started marks tf's group pending (OnStartup).
func (tf *TrafficFlow) started() {
	if tf.group == nil {
		return // set up outside Caddy (tests, the explain command)
	}
	groups.Lock()
	groups.pending[tf.group] = true
	groups.Unlock()
}

// serving records that g's Caddy instance serves, and stops every other
// pending group: they belong to restarts that failed.
func serving(g *group) {
	stopPending(g)
}

// stopPending stops the members of every pending group but keep.
func stopPending(keep *group) {
	groups.Lock()
	var stale []*group
	for g := range groups.pending {
		if g != keep {
			stale = append(stale, g)
		}
		delete(groups.pending, g)
	}
	groups.Unlock()
	for _, g := range stale {
		for _, tf := range g.members {
			log.Infof("stopping the store watcher and health checks of %s: its Corefile restart failed", tf.cfg.dir)
			tf.loader.stop() //nolint:errcheck // it cannot fail
		}
	}
}
