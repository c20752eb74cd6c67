package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
)

// tarball is an npm package tarball read into memory.
type tarball struct {
	name  string
	sum   string // SHA-256 of the .tgz
	files map[string][]byte
}

// readTarball reads a .tgz as npm pack writes it.
func readTarball(path string) (*tarball, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &tarball{name: path, sum: sha256Hex(raw), files: map[string][]byte{}}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, h.Name, err)
		}
		t.files[h.Name] = b
	}
}

// file returns a file of the package, or stops the program.
func (t *tarball) file(name string) []byte {
	b, ok := t.files[name]
	if !ok {
		log.Fatalf("%s has no %s", t.name, name)
	}
	return b
}
