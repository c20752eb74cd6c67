//go:build !linux

package watch

import "io/fs"

// statKey is the cheap fingerprint of an extra file: if it is unchanged, the
// content is assumed unchanged and the file is not hashed again.
type statKey struct {
	size  int64
	mtime int64 // nanoseconds since the epoch
}

// keyOf returns the stat fingerprint of fi.
func keyOf(fi fs.FileInfo) statKey {
	return statKey{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}

// isDeadEnd reports whether err means a path leads nowhere (beyond
// fs.ErrNotExist); only known on Linux.
func isDeadEnd(error) bool { return false }

// fileID returns the identity of fi, if the platform exposes one.
func fileID(fs.FileInfo) ([2]uint64, bool) { return [2]uint64{}, false }
