package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// commonGz is the list of common passwords: one lowercased password per line,
// most common first, gzipped. See COMMON-PASSWORDS.md for its source, licence
// and how it was made.
//
//go:embed common-passwords.txt.gz
var commonGz []byte

var (
	commonOnce sync.Once
	commonSet  map[string]struct{}
	commonErr  error
)

// commonPasswords returns the set of common passwords, decompressing the
// embedded list on first use.
func commonPasswords() (map[string]struct{}, error) {
	commonOnce.Do(func() {
		commonSet, commonErr = loadCommon()
		if commonErr != nil {
			commonErr = fmt.Errorf("password: the embedded common-password list is unreadable: %w", commonErr)
		}
	})
	return commonSet, commonErr
}

// loadCommon decompresses the embedded list into a set.
func loadCommon() (map[string]struct{}, error) {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		return nil, err
	}
	set := make(map[string]struct{}, 3500)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			set[w] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return set, zr.Close()
}

// CommonPassword refuses passwords found, lowercased and with surrounding
// white space removed, in the embedded list of common passwords (about 3,400
// entries, loaded once on first use).
type CommonPassword struct{}

// Validate implements Validator.
// It fails closed: should the embedded list be unreadable, every password is
// refused with that error.
func (CommonPassword) Validate(password string, _ Attributes) error {
	set, err := commonPasswords()
	if err != nil {
		return err
	}
	if _, ok := set[strings.ToLower(strings.TrimSpace(password))]; ok {
		return ValidationError{"This password is too common."}
	}
	return nil
}

// IsCommon reports whether password, lowercased and trimmed of surrounding
// white space, is in the embedded list of common passwords (false if the
// list cannot be read).
func IsCommon(password string) bool {
	set, _ := commonPasswords()
	_, ok := set[strings.ToLower(strings.TrimSpace(password))]
	return ok
}
