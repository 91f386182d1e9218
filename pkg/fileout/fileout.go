// Package fileout puts a finished temporary file in place of an output
// path the user named, atomically where it can, without ever replacing a
// symbolic link or a device with a regular file.
package fileout

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the symbolic links followed, as the kernel does.
const maxLinks = 40

// Replace moves the finished file tmp to path. A regular file (or no
// file) at path is replaced by a rename: readers see the old file or the
// new one, never half of one. When path is a symbolic link, the file it
// points to is replaced and the link kept. When path is, or leads to, a
// device, a pipe or a descriptor under /proc or /dev/fd (such as
// /dev/stdout), tmp's bytes are written through path instead. A link to a file that does not exist yet creates that
// file. tmp is removed once it is in place; on an error it is left for the
// caller to remove. The caller syncs tmp's directory (CreateTemp puts it
// next to the file replaced) when the rename must survive a crash.
func Replace(tmp, path string) error {
	target, through, err := Resolve(path)
	if err != nil {
		return err
	}
	if !through {
		err := os.Rename(tmp, target)
		if err == nil || !errors.Is(err, syscall.EXDEV) {
			return err
		}
		// The link leads to another file system: copy instead.
	}
	return copyThrough(tmp, path)
}

// Resolve returns the file a rename must replace for an output at path,
// or through=true when the bytes must be written through path instead
// (see Replace).
func Resolve(path string) (target string, through bool, err error) {
	p := path
	for hop := 0; ; hop++ {
		if hop > maxLinks {
			return "", false, fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return p, false, nil // a new file, or the one a link points to
		case err != nil:
			return "", false, err
		case fi.Mode()&fs.ModeSymlink == 0:
			return p, !fi.Mode().IsRegular(), nil
		}
		dest, err := os.Readlink(p)
		if err != nil {
			return "", false, err
		}
		if !filepath.IsAbs(dest) {
			// Relative to the link's real directory, as the kernel reads
			// it: "../x" from a linked directory leaves its target.
			dir, err := filepath.EvalSymlinks(filepath.Dir(p))
			if err != nil {
				return "", false, err
			}
			dest = filepath.Join(dir, dest)
		}
		if strings.HasPrefix(dest, "/proc/") || strings.HasPrefix(dest, "/dev/fd/") {
			return path, true, nil // a descriptor: /dev/stdout and the like
		}
		p = dest
	}
}

// copyThrough writes tmp's bytes to path, following links, then removes
// tmp.
func copyThrough(tmp, path string) error {
	src, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if fi, err := dst.Stat(); err == nil && fi.Mode().IsRegular() {
		if err := dst.Sync(); err != nil {
			dst.Close()
			return err
		}
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Remove(tmp)
}

// CreateTemp creates the temporary file for an output at path (mode
// 0600): next to the file Replace will rename over, so that the rename
// stays on one file system, or in the system's temporary directory when
// the bytes will be written through.
func CreateTemp(path string) (*os.File, error) {
	target, through, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(target)
	if through {
		dir = ""
	}
	return os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp")
}

// Write puts the bytes fill writes in place of path: a temp file from
// CreateTemp, synced, then Replace, then a sync of the directory so that
// the rename survives a crash. On any error the temp file is removed and
// path is left as it was.
func Write(path string, fill func(io.Writer) error) error {
	tmp, err := CreateTemp(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(tmp.Name()) // the replaced file's, through links
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = Replace(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, making the renames in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
