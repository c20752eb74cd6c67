package watch

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// maxDepth bounds the directory nesting below the store directory; it stops
// pathological symlink farms that are not cycles.
const maxDepth = 32

var (
	// errStopped is returned by hashing when the Watcher is being stopped.
	errStopped = errors.New("watch: stopped")
	// errNotRegular is returned by hashFile for anything but a regular file.
	errNotRegular = errors.New("not a regular file")
)

// storeFile is one store file found by scanStore.
type storeFile struct {
	rel  string // slash-separated path relative to the store directory, through symlinks
	path string // physical path of the file
}

// scanResult is what scanStore found.
type scanResult struct {
	root  string // the store directory, for messages
	files []storeFile
	// dirs holds the physical directories whose entries decide the store's
	// content, with their identity; nil unless scanStore was asked for it.
	dirs map[string]fs.FileInfo
	// vanished lists the entries the scan skipped because they were
	// missing (a dangling symlink, or one removed while it was scanned),
	// each as its relative path and the error, which names the physical
	// path that was missing.
	vanished []string
}

// skip records an entry the scan skipped because it was missing.
func (r *scanResult) skip(rel string, err error) {
	r.vanished = append(r.vanished, rel+"\x00"+err.Error())
}

// layout is a hash of where the scan found the store: every file's
// relative and physical path, and every entry it skipped as missing with
// the physical path that was. Two scans of the same content differ in
// layout when a ConfigMap update swapped the directory behind a symlink
// between them, even if both missed the same file while it was swapped.
func (r *scanResult) layout() Sum {
	h := sha256.New()
	for _, f := range r.files {
		io.WriteString(h, f.rel+"\x00"+f.path+"\n")
	}
	vanished := slices.Sorted(slices.Values(r.vanished))
	for _, v := range vanished {
		io.WriteString(h, "-"+v+"\n")
	}
	return Sum(h.Sum(nil))
}

// addDir records dir (a physical path) as worth watching.
func (r *scanResult) addDir(dir string, fi fs.FileInfo) {
	if r.dirs == nil {
		return
	}
	if _, ok := r.dirs[dir]; ok {
		return
	}
	if fi == nil {
		var err error
		if fi, err = os.Stat(dir); err != nil {
			return
		}
	}
	r.dirs[dir] = fi
}

// Sum is a store's content fingerprint (see Fingerprint). The zero Sum
// stands for "unknown".
type Sum [32]byte

// IsZero reports whether s is the zero Sum ("unknown").
func (s Sum) IsZero() bool { return s == Sum{} }

// Fingerprint returns the content hash of the store in dir: sha256 over
// every store file's path relative to dir and its content (the file's own
// sha256), in sorted path order. A store file is a regular file below dir,
// reached through symlinks, whose name and whose directories' names below dir
// do not start with "."; symlink cycles, dangling symlinks and special files
// are skipped. A missing dir, or one that is not a directory, is an error,
// as is any other error reading the tree.
func Fingerprint(dir string) (Sum, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Sum{}, err
	}
	res, err := scanStore(abs, false)
	if err != nil {
		return Sum{}, err
	}
	return hashStore(res.files, nil)
}

// scanStore lists the store files below dir (an absolute path). With
// wantDirs it also collects the directories to watch; they are returned even
// with an error, so that a missing store can be watched for its return.
func scanStore(dir string, wantDirs bool) (*scanResult, error) {
	res := &scanResult{root: dir}
	if wantDirs {
		res.dirs = make(map[string]fs.FileInfo)
	}
	dirSeen := func(d string) { res.addDir(d, nil) }
	root, err := resolveIn("", dir, false, dirSeen)
	if err != nil {
		return res, fmt.Errorf("store directory %s: %w", dir, err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return res, fmt.Errorf("store directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return res, fmt.Errorf("store directory %s: not a directory", dir)
	}
	if err := res.walk(root, "", []fs.FileInfo{fi}, dirSeen); err != nil {
		return res, err
	}
	slices.SortFunc(res.files, func(a, b storeFile) int { return strings.Compare(a.rel, b.rel) })
	return res, nil
}

// walk adds the store files below the physical directory dir, whose path
// relative to the store is rel. ancestors holds dir and the directories
// above it in this walk, for the cycle guard.
func (r *scanResult) walk(dir, rel string, ancestors []fs.FileInfo, dirSeen func(string)) error {
	if len(ancestors) > maxDepth {
		return fmt.Errorf("store directory %s: %s nests deeper than %d levels", r.root, rel, maxDepth)
	}
	r.addDir(dir, ancestors[len(ancestors)-1])
	entries, err := os.ReadDir(dir)
	if err != nil {
		if rel != "" && isMissing(err) {
			r.skip(rel, err)
			return nil // removed while we walk: the next check sees the outcome
		}
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		if e.Type()&fs.ModeSymlink != 0 {
			if p, err = resolveIn(dir, name, true, dirSeen); err != nil {
				if isMissing(err) {
					r.skip(path.Join(rel, name), err)
					continue // dangling or looping symlink
				}
				return err
			}
		}
		fi, err := os.Stat(p)
		if err != nil {
			if isMissing(err) {
				r.skip(path.Join(rel, name), err)
				continue
			}
			return err
		}
		switch {
		case fi.IsDir():
			if slices.ContainsFunc(ancestors, func(a fs.FileInfo) bool { return os.SameFile(a, fi) }) {
				continue // symlink cycle
			}
			if err := r.walk(p, path.Join(rel, name), append(ancestors[:len(ancestors):len(ancestors)], fi), dirSeen); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			r.files = append(r.files, storeFile{rel: path.Join(rel, name), path: p})
		}
	}
	return nil
}

// hashStore computes the store fingerprint of files, which are sorted by rel.
// Files that vanished since the scan are left out. stop, if not nil, aborts
// the work with errStopped when closed.
func hashStore(files []storeFile, stop <-chan struct{}) (Sum, error) {
	h := newStoreHash()
	fh := sha256.New()
	buf := make([]byte, 64<<10)
	for _, f := range files {
		fsum, err := hashFile(f.path, fh, buf, stop)
		if err != nil {
			if isMissing(err) || errors.Is(err, errNotRegular) {
				continue
			}
			return Sum{}, err
		}
		h.add(f.rel, fsum)
	}
	return h.sum(), nil
}

// storeHash computes a store fingerprint: sha256 over, for every store file
// in sorted path order, its path relative to the store, a NUL byte and the
// sha256 of its content. Fingerprint and Read both use it, so that their
// fingerprints of the same content agree.
type storeHash struct{ h hash.Hash }

func newStoreHash() storeHash { return storeHash{h: sha256.New()} }

// add adds the store file rel, whose content has the sha256 sum.
func (s storeHash) add(rel string, sum [32]byte) {
	s.h.Write([]byte(rel))
	s.h.Write([]byte{0})
	s.h.Write(sum[:])
}

// sum returns the fingerprint of the files added so far.
func (s storeHash) sum() Sum {
	var fp Sum
	s.h.Sum(fp[:0])
	return fp
}

// openRegular opens the regular file at p; op names the operation in the
// error for anything else.
func openRegular(p, op string) (*os.File, error) {
	// O_NONBLOCK: a FIFO swapped in after the scan must not block the open.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: op, Path: p, Err: errNotRegular}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// hashFile returns the sha256 of the regular file at p, using h and buf as
// scratch space. stop, if not nil, aborts the work with errStopped when
// closed, so that Stop need not wait for a large file.
func hashFile(p string, h hash.Hash, buf []byte, stop <-chan struct{}) ([32]byte, error) {
	var sum [32]byte
	f, err := openRegular(p, "hash")
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h.Reset()
	for {
		if stop != nil {
			select {
			case <-stop:
				return sum, errStopped
			default:
			}
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, err
		}
	}
	h.Sum(sum[:0])
	return sum, nil
}
