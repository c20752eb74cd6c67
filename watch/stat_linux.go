package watch

import (
	"errors"
	"io/fs"
	"syscall"
)

// statKey is the cheap fingerprint of an extra file: while it is unchanged,
// the content is assumed unchanged and the file is not hashed again.
type statKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds since the epoch
}

// keyOf returns the stat fingerprint of fi. The ctime is included because
// tools such as "cp -p" or "rsync -t" restore the mtime.
func keyOf(fi fs.FileInfo) statKey {
	k := statKey{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		k.dev = uint64(st.Dev) // narrower on some architectures
		k.ino = uint64(st.Ino) // narrower on some architectures
		k.ctime = st.Ctim.Nano()
	}
	return k
}

// isDeadEnd reports whether err means a path leads nowhere: ELOOP (a
// symlink loop met by the kernel) or ENOTDIR (a file used as a directory).
func isDeadEnd(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR)
}

// fileID returns the device and inode of fi.
func fileID(fi fs.FileInfo) ([2]uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint64{}, false
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, true // narrower on some architectures
}
