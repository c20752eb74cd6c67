//go:build !linux

package watch

import "errors"

func exchange(a, b string) error { return errors.ErrUnsupported }

func mkfifo(p string) error { return errors.ErrUnsupported }
