// Package durable writes files so that a crash leaves either the old file or the new one,
// whole, and the change survives a power cut: a temporary file beside the target,
// synced, renamed over it, and the directory synced.
package durable

import (
	"os"
	"path/filepath"
)

// WriteFile replaces path with data, of permission perm. On error, path is unchanged and
// no temporary file is left.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return place(path, data, perm, os.Rename)
}

// CreateFile creates path holding data, of permission perm, and fails if path exists:
// path never holds part of data. On error no temporary file is left.
func CreateFile(path string, data []byte, perm os.FileMode) error {
	return place(path, data, perm, os.Link)
}

// place writes data to a synced temporary file beside path, puts it at path with put
// (os.Rename to replace, os.Link to create only), and syncs the directory.
func place(path string, data []byte, perm os.FileMode, put func(tmp, path string) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := put(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir syncs a directory, so that the names created, renamed or removed in it survive
// a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
