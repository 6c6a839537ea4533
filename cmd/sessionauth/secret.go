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
	key, err := keyFileContent("secret-key-file", file, b)
	if err != nil {
		return "", err
	}
	if len(key) < 32 {
		return "", errFlag("secret-key-file", file, errors.New("the key must be at least 32 characters"))
	}
	return key, nil
}

// readKeyFile reads a file of secret keys named by the flag name: it must exist and be readable by
// its owner only. It returns the content without surrounding whitespace.
func readKeyFile(name, file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", errFlag(name, file, err)
	}
	return keyFileContent(name, file, b)
}

// keyFileContent checks the mode of file, whose content is b, and returns b without surrounding
// whitespace. Only the owner may read a key file: anyone who reads a key can sign sessions.
func keyFileContent(name, file string, b []byte) (string, error) {
	if info, err := os.Stat(file); err == nil && info.Mode().Perm()&0o077 != 0 {
		return "", errFlag(name, file, fmt.Errorf("mode %v lets other users read it; chmod 600", info.Mode().Perm()))
	}
	return strings.TrimSpace(string(b)), nil
}

// secretKeyFallbacks returns the retired keys still accepted: --secret-key-fallbacks (a
// comma-separated list, visible to anyone who can list processes) or --secret-key-fallbacks-file
// (one key per line, blank lines ignored; an empty file means none), not both.
func secretKeyFallbacks(sc storeConfig) ([]string, error) {
	if sc.SecretKeyFallbacksFile == "" {
		return sc.SecretKeyFallbacks, nil
	}
	content, err := readKeyFile("secret-key-fallbacks-file", sc.SecretKeyFallbacksFile)
	if err != nil {
		return nil, err
	}
	var keys []string
	for line := range strings.Lines(content) {
		if k := strings.TrimSpace(line); k != "" {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
