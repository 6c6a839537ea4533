package main

import (
	"errors"
	"io/fs"
	"os"
)

// The SQLite database holds the secret key and the password hashes, so it is created readable by
// its owner only: SQLite would create it 0644 (less the umask). Its -wal and -shm files hold the
// same pages; SQLite gives new ones the database's mode, but ones left by a crash keep theirs.

// createPrivateDB creates the database file with mode 0600 when it does not exist yet; an existing
// file keeps the mode its operator gave it.
func createPrivateDB(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil // already there, or another process created it first
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// restrictSidecars makes the -wal and -shm files beside the open database readable by their owner
// only, including files that predate this run (a crash leaves them behind).
func restrictSidecars(path string) error {
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
