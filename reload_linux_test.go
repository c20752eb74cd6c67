package trafficflow

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// TestReloadPollOnly proves that the periodic poll alone picks changes up:
// a write through a shared memory mapping changes a file without any
// inotify event (inotify(7)), as on filesystems that deliver no events.
func TestReloadPollOnly(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: reloadStore(), block: "reload 100ms", watch: true})
	assertAnswer(t, tf, "www.example.org.", "", "192.0.2.1")
	file := filepath.Join(tf.cfg.dir, "policies/web/1.json")

	// The premise: fsnotify reports nothing for the write. Events of one
	// inotify instance are queued in order, so once the sentinel's event
	// is read, an event for the mapped write would have been read too.
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	sentinelDir := t.TempDir()
	for _, d := range []string{filepath.Dir(file), sentinelDir} {
		if err := fw.Add(d); err != nil {
			t.Fatal(err)
		}
	}

	mmapPatch(t, file, "192.0.2.1", "192.0.2.9")
	mustWriteFile(t, filepath.Join(sentinelDir, "sentinel"), "")
	timeout := time.After(answerWait)
wait:
	for {
		select {
		case ev := <-fw.Events:
			if ev.Name == file {
				t.Fatalf("fsnotify saw the mapped write (%v): this test no longer proves that polling works", ev)
			}
			if filepath.Dir(ev.Name) == sentinelDir {
				break wait
			}
		case err := <-fw.Errors:
			t.Fatal(err)
		case <-timeout:
			t.Fatal("no event for the sentinel file")
		}
	}
	waitAnswer(t, tf, "www.example.org.", "", "192.0.2.9")
}

// mmapPatch overwrites old with new (of the same length) in a file through
// a shared memory mapping.
func mmapPatch(t testing.TB, path, old, new string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(m)
	i := bytes.Index(m, []byte(old))
	if i < 0 || len(old) != len(new) {
		t.Fatalf("cannot patch %q into %q in %s", new, old, path)
	}
	copy(m[i:], new)
}
