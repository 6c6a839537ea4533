package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

const secretKeySetting = "secret_key"

// settings is where the secret key is kept when there is no --secret-key-file: the database, shared
// by every server process that uses it.
type settings interface {
	SetSettingOnce(ctx context.Context, name, value string) (string, error)
}

// newSecretKey returns 50 random characters, like Django's get_random_secret_key.
func newSecretKey() string {
	return rand.Text() + rand.Text()[:24] // 26 + 24 base32 characters, ~250 bits
}

// loadSecretKey returns the server's secret key: from --secret-key-file (created with mode 0600 when
// missing), or kept in the database so that every process using it agrees.
func loadSecretKey(ctx context.Context, file string, db settings) (string, error) {
	if file == "" {
		key, err := db.SetSettingOnce(ctx, secretKeySetting, newSecretKey())
		if err != nil {
			return "", fmt.Errorf("storing the secret key in the database: %w", err)
		}
		return key, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return loadSecretKey(ctx, file, db) // another process created it first
		}
		if err != nil {
			return "", errFlag("secret-key-file", file, err)
		}
		key := newSecretKey()
		if _, err := f.WriteString(key + "\n"); err != nil {
			f.Close()
			return "", errFlag("secret-key-file", file, err)
		}
		return key, f.Close()
	}
	if err != nil {
		return "", errFlag("secret-key-file", file, err)
	}
	if info, err := os.Stat(file); err == nil && info.Mode().Perm()&0o077 != 0 {
		return "", errFlag("secret-key-file", file, fmt.Errorf("mode %v lets other users read it; chmod 600", info.Mode().Perm()))
	}
	key := strings.TrimSpace(string(b))
	if len(key) < 32 {
		return "", errFlag("secret-key-file", file, errors.New("the key must be at least 32 characters"))
	}
	return key, nil
}
