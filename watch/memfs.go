package watch

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Read reads the store in dir into memory: every store file, found as
// Fingerprint finds them (through symlinks), in a read-only file system
// with the same relative paths. It also returns the fingerprint of exactly
// that content (what Fingerprint returns for it). A reader that loads the
// store from the returned file system instead of dir knows what it loaded,
// and can tell, by comparing with a fresh Fingerprint, whether the store
// changed while it was read: a read spanning a change (a ConfigMap update
// between two files) may mix two versions, and no re-check of dir alone
// can tell after the fact (the store may have changed back).
func Read(dir string) (fs.FS, Sum, error) {
	fsys, fp, _, err := read(dir)
	return fsys, fp, err
}

// read is Read, which also returns the layout of the scan it read by
// (scanResult.layout).
func read(dir string) (fsys fs.FS, fp, layout Sum, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fp, layout, err
	}
	res, err := scanStore(abs, false)
	if err != nil {
		return nil, fp, layout, err
	}
	m := &memFS{files: map[string][]byte{}, dirs: map[string][]fs.DirEntry{".": nil}}
	h := newStoreHash()
	for _, f := range res.files {
		data, err := readFile(f.path)
		if err != nil {
			if isMissing(err) || errors.Is(err, errNotRegular) {
				continue // vanished since the scan, as in hashStore
			}
			return nil, fp, layout, err
		}
		h.add(f.rel, sha256.Sum256(data))
		m.add(f.rel, data)
	}
	fp = h.sum()
	for _, entries := range m.dirs {
		slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	}
	return m, fp, res.layout(), nil
}

// fingerprintLayout returns the Fingerprint of the store in dir and the
// layout of the scan that found it.
func fingerprintLayout(dir string) (fp, layout Sum, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fp, layout, err
	}
	res, err := scanStore(abs, false)
	if err != nil {
		return fp, layout, err
	}
	fp, err = hashStore(res.files, nil)
	return fp, res.layout(), err
}

// stableReads bounds how often ReadStable reads a store that changes while
// it is read.
const stableReads = 3

// ErrChanging says that the store changed every time ReadStable read it.
var ErrChanging = errors.New("the store kept changing while it was read")

// ReadStable reads a consistent copy of the store in dir: a Read, which a
// fresh Fingerprint afterwards confirms; while they differ (the store
// changed while it was read, so the copy may mix two versions, such as a
// ConfigMap update between two files), it reads again, up to three times.
// The confirmation also compares where the two scans found the files (the
// physical paths behind the symlinks, and those of files they missed): a
// read and a confirmation that each fell into a different ConfigMap update
// may both miss the same file, whose directory the update had just
// removed, and see the same content without it.
// It returns the copy and the Sum of exactly its content; ErrChanging when
// the store changed during every read; or the error of the last read.
func ReadStable(dir string) (fs.FS, Sum, error) { return readStable(dir, read) }

// readStable is ReadStable with the read function as a parameter (tests
// change the store between a read and its confirmation).
func readStable(dir string, read func(string) (fs.FS, Sum, Sum, error)) (fs.FS, Sum, error) {
	var err error
	for range stableReads {
		var fsys fs.FS
		var sum, layout Sum
		fsys, sum, layout, err = read(dir)
		if err != nil {
			continue
		}
		if now, nowLayout, ferr := fingerprintLayout(dir); ferr == nil && now == sum && nowLayout == layout {
			return fsys, sum, nil
		}
		err = ErrChanging
	}
	return nil, Sum{}, err
}

// readFile reads the regular file at p.
func readFile(p string) ([]byte, error) {
	f, err := openRegular(p, "read")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err == nil && len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB, the most a store file may hold", p, MaxFileSize>>20)
	}
	return data, err
}

// MaxFileSize is the most a store file may hold: Read reads no larger
// file (policyfile reports such a file in the store's terms).
const MaxFileSize = 32 << 20

// memFS is the read-only in-memory file system Read returns. It implements
// fs.ReadFileFS, fs.ReadDirFS and fs.StatFS.
type memFS struct {
	files map[string][]byte
	// dirs holds each directory's entries, sorted by name; "." is the root.
	dirs map[string][]fs.DirEntry
}

// add adds a file, and the directories above it that are new.
func (m *memFS) add(rel string, data []byte) {
	m.files[rel] = data
	child, isDir := rel, false
	for {
		dir := path.Dir(child)
		_, known := m.dirs[dir]
		m.dirs[dir] = append(m.dirs[dir], fs.FileInfoToDirEntry(m.info(child, isDir)))
		if known { // so are the directories above it ("." always is)
			return
		}
		child, isDir = dir, true
	}
}

func (m *memFS) info(name string, isDir bool) fs.FileInfo {
	return memInfo{name: path.Base(name), size: int64(len(m.files[name])), dir: isDir}
}

func (m *memFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := m.files[name]; ok {
		return &memFile{info: m.info(name, false), data: data}, nil
	}
	if entries, ok := m.dirs[name]; ok {
		return &memDir{info: memInfo{name: path.Base(name), dir: true}, entries: entries}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := m.files[name]; ok {
		return slices.Clone(data), nil
	}
	if _, ok := m.dirs[name]; ok {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: errors.New("is a directory")}
	}
	return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	if entries, ok := m.dirs[name]; ok {
		return slices.Clone(entries), nil
	}
	if _, ok := m.files[name]; ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if _, ok := m.files[name]; ok {
		return m.info(name, false), nil
	}
	if _, ok := m.dirs[name]; ok {
		return memInfo{name: path.Base(name), dir: true}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// memInfo describes a file or directory of a memFS.
type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

// memFile is an open file of a memFS.
type memFile struct {
	info fs.FileInfo
	data []byte
	off  int
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Read(b []byte) (int, error) {
	if f.off >= len(f.data) {
		return 0, io.EOF
	}
	n := copy(b, f.data[f.off:])
	f.off += n
	return n, nil
}

// memDir is an open directory of a memFS.
type memDir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memDir) Close() error               { return nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}

func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return slices.Clone(rest[:n]), nil
}
