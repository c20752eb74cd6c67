// Package series keeps metric series that several plugin instances share.
//
// CoreDNS runs several instances of a plugin at once: one per server block,
// and during a Corefile reload the old and the new instance side by side
// (the new one starts before the old one stops). Their metrics share the
// same Prometheus collectors, so an instance must neither delete a series
// another instance still has, nor leave behind one that no instance has any
// more. Owners tracks, per series, the instances that have it and the
// values each last published.
package series

import (
	"slices"
	"sync"
)

// Owners tracks the owners of shared series keyed by K, and the value of
// type V each owner last published. A series exists while it has owners.
// Its zero value is ready to use; it is safe for concurrent use, and the
// callbacks run under its lock, so that every write of the series it
// guards happens in order.
type Owners[K comparable, V any] struct {
	mu sync.Mutex
	// m lists the owners of each series, least recently published first:
	// the series shows the last one's value.
	m map[K][]owned[V]
}

type owned[V any] struct {
	owner any
	value V
}

// Publish makes owner an owner of series k (if it is not one yet) with
// value v, the value the series shows from now on, and calls show(v).
func (o *Owners[K, V]) Publish(k K, owner any, v V, show func(V)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[K][]owned[V]{}
	}
	list := slices.DeleteFunc(o.m[k], func(e owned[V]) bool { return e.owner == owner })
	o.m[k] = append(list, owned[V]{owner, v})
	if show != nil {
		show(v)
	}
}

// Release ends owner's ownership of the series keys. A series left without
// owners is dropped (drop(k), if drop is not nil); one that showed owner's
// value shows the value of the remaining owner that published most recently
// (show(k, v), if show is not nil). Keys owner does not own are ignored.
func (o *Owners[K, V]) Release(owner any, keys []K, show func(K, V), drop func(K)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, k := range keys {
		list := o.m[k]
		i := slices.IndexFunc(list, func(e owned[V]) bool { return e.owner == owner })
		if i < 0 {
			continue
		}
		shown := i == len(list)-1
		list = slices.Delete(list, i, i+1)
		if len(list) == 0 {
			delete(o.m, k)
			if drop != nil {
				drop(k)
			}
			continue
		}
		o.m[k] = list
		if shown && show != nil {
			show(k, list[len(list)-1].value)
		}
	}
}

// Keys returns the series that have owners, in no order.
func (o *Owners[K, V]) Keys() []K {
	o.mu.Lock()
	defer o.mu.Unlock()
	keys := make([]K, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	return keys
}
