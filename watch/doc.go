// Package watch tells the trafficflow plugin when its policy store directory,
// or another watched file such as the GeoIP database, has really changed, so
// that the plugin can rebuild its configuration and swap it in atomically.
//
// Change detection follows the lessons CoreDNS learnt with fsnotify (see the
// trafficflow notes on reload conventions): events are only a hint, the
// content hash is the truth.
//
//   - Directories are watched, never files: the store directory, every
//     directory below it, the real targets of symlinked directories and every
//     directory in which a symlink on the way is looked up. A Kubernetes
//     ConfigMap update (a rename of "..data") is therefore seen in the store
//     directory itself, and an editor's rename-over is seen in the parent.
//   - Any event except a pure Chmod restarts a debounce timer. When it
//     fires, the store's content fingerprint (Fingerprint) is recomputed and
//     OnChange is called only if it differs from the last reported one (or
//     from the one OnChange returned as really read, see Options.OnChange). The
//     watch set is re-synchronised after every check, so new and removed
//     subdirectories are followed.
//   - Extra files (Options.Files) are watched through their parent
//     directories and compared by a cheap stat fingerprint first; they are
//     hashed again only when the stat changed.
//   - An optional poll ticker runs the same check, for filesystems that
//     deliver no events (NFS, some FUSE and overlay setups). An event queue
//     overflow forces an immediate check. If fsnotify cannot be used at all,
//     the Watcher logs a warning and relies on polling.
//
// A store file is every regular file below the store directory whose name
// (and whose parent directories' names) does not start with ".". Symlinks
// are followed, with a guard against cycles, so that the symlink farm of a
// Kubernetes ConfigMap volume ("records.json -> ..data/records.json",
// "..data -> ..2024_01_01_00_00_00.123") reads like a plain directory.
//
// ReadStable returns a consistent copy of a store's files in memory
// together with the Sum of exactly that content (Read, confirmed by a
// fresh Fingerprint that found the files in the same physical places), so
// that a reader loads what it fingerprinted and never a mix of two
// versions, nor a version missing a file that a ConfigMap update was
// swapping.
//
// A Watcher's goroutine is created by Start and stopped by Stop, which waits
// for it and closes the inotify instance; Start and Stop may be repeated.
package watch
