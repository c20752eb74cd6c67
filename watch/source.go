package watch

import "github.com/fsnotify/fsnotify"

// source is the event source of a Watcher: an fsnotify watcher in
// production, a fake in tests.
type source interface {
	Events() <-chan fsnotify.Event
	Errors() <-chan error
	Add(path string) error
	Remove(path string) error
	// WatchList returns the paths watched right now; fsnotify drops a
	// watch by itself when its directory is removed or moved away.
	WatchList() []string
	Close() error
}

// fsSource adapts *fsnotify.Watcher to source.
type fsSource struct{ w *fsnotify.Watcher }

// newFSSource creates one fsnotify watcher (one inotify instance on Linux).
func newFSSource() (source, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	return fsSource{w}, nil
}

func (s fsSource) Events() <-chan fsnotify.Event { return s.w.Events }
func (s fsSource) Errors() <-chan error          { return s.w.Errors }
func (s fsSource) Add(path string) error         { return s.w.Add(path) }
func (s fsSource) Remove(path string) error      { return s.w.Remove(path) }
func (s fsSource) WatchList() []string           { return s.w.WatchList() }
func (s fsSource) Close() error                  { return s.w.Close() }

// relevant reports whether ev may mean a content change: anything but a
// pure Chmod (anti-virus, backup and indexing tools touch attributes all the
// time).
func relevant(ev fsnotify.Event) bool {
	return ev.Op != 0 && ev.Op != fsnotify.Chmod
}
