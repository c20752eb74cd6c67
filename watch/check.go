package watch

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// maxRescans bounds how often one check scans the store again because the
// previous scan found directories that were not watched yet.
const maxRescans = 3

// racyWindow is how recent a file's mtime may be for its stat fingerprint to
// be distrusted: a write in the same timestamp tick as our stat leaves the
// stat unchanged (the "racy git" problem; some filesystems keep 1-2 s).
const racyWindow = 2 * time.Second

// watchEntry is one watched directory.
type watchEntry struct {
	fi   fs.FileInfo // identity when it was added
	kind what        // which part of a check its events concern
}

// fileState is what a Watcher remembers about one extra file.
type fileState struct {
	known   bool     // checked once: the initial state is recorded
	hasSum  bool     // sum is valid (the file existed at some check)
	sum     [32]byte // content hash last reported (or initial)
	key     statKey  // stat fingerprint when sum was computed
	racy    bool     // key was taken too close to the mtime to be trusted
	missing bool     // the file is missing and that was logged
	errMsg  string   // last error logged
}

// check runs one check of the parts in k, calls OnChange if anything
// changed, and reports whether the store should be checked again soon
// because the watch set was still growing.
func (w *Watcher) check(src source, k what, quit <-chan struct{}) (again bool) {
	var c Change
	if k&checkFiles != 0 && len(w.absFiles) > 0 {
		w.st.fileDirs = w.fileDirs()
		w.syncWatches(src)
		c.Files = w.checkFiles(quit)
	}
	if k&checkStore != 0 {
		c.StoreChanged, again = w.checkStore(src, quit)
	}
	// The state is updated already, so report even if Stop is waiting:
	// otherwise the change would be lost for a later Start.
	if c.StoreChanged || len(c.Files) > 0 {
		if loaded := w.onChange(c); loaded != w.st.reported {
			w.st.reported = loaded
			again = true
		}
	}
	if w.afterCheck != nil {
		w.afterCheck()
	}
	return again
}

// checkStore scans the store, brings the watch set up to date (scanning
// again while new directories appear, so that a file written into a new
// directory before it was watched is not missed), then hashes it. It
// reports whether the fingerprint differs from the last reported one.
func (w *Watcher) checkStore(src source, quit <-chan struct{}) (changed, again bool) {
	var (
		res *scanResult
		err error
	)
	for i := 0; ; i++ {
		res, err = scanStore(w.dir, src != nil)
		w.st.storeDirs = res.dirs
		added := w.syncWatches(src)
		if err != nil || !added {
			break
		}
		if i == maxRescans {
			again = true
			break
		}
	}
	var fp Sum
	if err == nil {
		fp, err = hashStore(res.files, quit)
	}
	if err != nil {
		if errors.Is(err, errStopped) {
			return false, false
		}
		lost := w.st.storeErr == ""
		if msg := err.Error(); msg != w.st.storeErr {
			w.st.storeErr = msg
			w.log.Warningf("watch: cannot read the store, keeping the last version: %v", err)
		}
		if lost && !w.st.reported.IsZero() {
			// Reported once, so that the loss is counted (a failed
			// load); the store is reported again when it is back.
			w.st.reported = Sum{}
			return true, again
		}
		return false, again
	}
	if w.st.storeErr != "" {
		w.st.storeErr = ""
		w.log.Infof("watch: the store %s is readable again", w.dir)
	}
	if fp == w.st.reported {
		return false, again
	}
	w.st.reported = fp
	return true, again
}

// fileDirs returns the directories to watch for the extra files: each
// file's parent and every directory holding a symlink on its way.
func (w *Watcher) fileDirs() map[string]fs.FileInfo {
	dirs := make(map[string]fs.FileInfo)
	for _, f := range w.absFiles {
		resolveIn("", f, true, func(d string) { //nolint:errcheck // a missing file is watched for its return
			if _, ok := dirs[d]; ok {
				return
			}
			if fi, err := os.Stat(d); err == nil {
				dirs[d] = fi
			}
		})
	}
	return dirs
}

// checkFiles checks every extra file and returns the changed ones.
func (w *Watcher) checkFiles(quit <-chan struct{}) []string {
	var changed []string
	var buf []byte
	for i, p := range w.absFiles {
		if w.checkFile(&w.st.files[i], p, &buf, quit) {
			changed = append(changed, w.files[i])
		}
	}
	return changed
}

// checkFile checks one extra file: a changed stat fingerprint (or a racy
// one) leads to a new content hash, and a changed content hash is a change.
// The first check only records the state. A file that goes missing is
// reported once (so that the loss is counted) and logged; the caller keeps
// the last version, and the file is reported again when it is back with
// other content.
func (w *Watcher) checkFile(s *fileState, p string, buf *[]byte, quit <-chan struct{}) bool {
	fi, err := os.Stat(p)
	if err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: "stat", Path: p, Err: errNotRegular}
	}
	if err == nil && s.hasSum && !s.racy && keyOf(fi) == s.key {
		s.known = true
		w.fileBack(s, p)
		return false
	}
	var sum [32]byte
	if err == nil {
		if *buf == nil {
			*buf = make([]byte, 1<<20)
		}
		sum, err = hashFile(p, sha256.New(), *buf, quit)
	}
	if err != nil {
		switch {
		case errors.Is(err, errStopped):
		case isMissing(err):
			lost := false
			if !s.missing {
				s.missing = true
				if s.hasSum {
					w.log.Warningf("watch: %s is missing, keeping the last version until it is back", p)
					lost = s.known
				} else {
					w.log.Warningf("watch: %s does not exist (yet)", p)
				}
			}
			s.known = true
			return lost
		default:
			if msg := err.Error(); msg != s.errMsg {
				s.errMsg = msg
				w.log.Warningf("watch: cannot read %s, keeping the last version: %v", p, err)
			}
			s.known = true
		}
		return false
	}
	w.fileBack(s, p)
	initial := !s.known
	changed := !s.hasSum || sum != s.sum
	s.known, s.hasSum, s.sum = true, true, sum
	s.key = keyOf(fi)
	s.racy = time.Since(fi.ModTime()) < racyWindow
	return changed && !initial
}

// fileBack clears the error state of a file that could be read again.
func (w *Watcher) fileBack(s *fileState, p string) {
	if s.missing && s.hasSum {
		w.log.Infof("watch: %s is back", p)
	}
	s.missing = false
	s.errMsg = ""
}

// syncWatches makes the watched directories those the last store scan and
// file resolution asked for: it removes the watches no longer wanted or
// whose directory was replaced, and adds the missing ones (including those
// fsnotify dropped by itself because the directory was moved or removed).
// It reports whether it added any.
func (w *Watcher) syncWatches(src source) (added bool) {
	if src == nil {
		return false
	}
	desired := make(map[string]watchEntry, len(w.st.storeDirs)+len(w.st.fileDirs))
	for d, fi := range w.st.storeDirs {
		desired[d] = watchEntry{fi: fi, kind: checkStore}
	}
	for d, fi := range w.st.fileDirs {
		e := desired[d]
		e.fi, e.kind = fi, e.kind|checkFiles
		desired[d] = e
	}
	dedupe(desired)

	live := make(map[string]bool)
	for _, p := range src.WatchList() {
		live[p] = true
	}
	for p, e := range w.st.watched {
		d, ok := desired[p]
		if ok && live[p] && os.SameFile(d.fi, e.fi) {
			w.st.watched[p] = watchEntry{fi: e.fi, kind: d.kind}
			continue
		}
		if live[p] {
			src.Remove(p) //nolint:errcheck // it may be gone already
		}
		delete(w.st.watched, p)
	}
	for p := range live {
		if _, ok := w.st.watched[p]; !ok {
			src.Remove(p) //nolint:errcheck // stale; it may be gone already
		}
	}
	for p, d := range desired {
		if _, ok := w.st.watched[p]; ok {
			continue
		}
		if err := src.Add(p); err != nil {
			if isMissing(err) {
				continue // gone since the scan; its parent's event brings us back
			}
			if msg := err.Error(); msg != w.st.addErrs[p] {
				w.st.addErrs[p] = msg
				w.log.Warningf("watch: cannot watch %s, relying on polling for it: %v", p, err)
			}
			continue
		}
		delete(w.st.addErrs, p)
		w.st.watched[p] = d
		added = true
	}
	return added
}

// dedupe keeps one path per directory in desired (bind mounts can show one
// directory under two paths; inotify has one watch per inode), merging the
// kinds into the lexically smallest path.
func dedupe(desired map[string]watchEntry) {
	byID := make(map[[2]uint64]string, len(desired))
	for p, e := range desired {
		id, ok := fileID(e.fi)
		if !ok {
			continue
		}
		q, dup := byID[id]
		if !dup {
			byID[id] = p
			continue
		}
		keep, drop := q, p
		if p < q {
			keep, drop = p, q
		}
		k := desired[keep]
		k.kind |= desired[drop].kind
		desired[keep] = k
		delete(desired, drop)
		byID[id] = keep
	}
}

// String returns a short description of c for logs.
func (c Change) String() string {
	return fmt.Sprintf("store changed: %t, files changed: %v", c.StoreChanged, c.Files)
}
