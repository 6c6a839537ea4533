package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"
)

// TokenKeyLength is the length of an API token key: 40 lowercase hex characters (160 bits), DRF's format.
const TokenKeyLength = 40

// ErrUserInactive is returned for a valid token whose user is inactive (DRF: "User inactive or deleted.").
var ErrUserInactive = errors.New("auth: user inactive or deleted")

// HashTokenKey is how a token key is stored: its hex SHA-256. Keys carry 160 random bits, so a fast
// hash suffices; a leaked table cannot be replayed.
func HashTokenKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// tokenKeyHash is what the token store keeps for key: HashTokenKey, unless the store maps keys itself.
func (m *Manager) tokenKeyHash(key string) string {
	if km, ok := m.Tokens.(TokenKeyMapper); ok {
		return km.TokenKeyHash(key)
	}
	return HashTokenKey(key)
}

func newTokenKey() (string, error) {
	var b [TokenKeyLength / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// CreateToken creates an API token for userID and returns its key, which is shown once and never
// stored.
func (m *Manager) CreateToken(ctx context.Context, userID int64, name string) (string, *Token, error) {
	if m.Tokens == nil {
		return "", nil, ErrNoTokenStore
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", nil, FieldErrors{"name": {"This field may not be blank."}}
	case utf8.RuneCountInString(name) > 100:
		return "", nil, FieldErrors{"name": {"A token name has at most 100 characters."}}
	}
	for range 3 {
		key, err := newTokenKey()
		if err != nil {
			return "", nil, err
		}
		t := &Token{UserID: userID, Name: name, KeyHash: m.tokenKeyHash(key), Created: m.now().UTC()}
		err = m.Tokens.CreateToken(ctx, t)
		if errors.Is(err, ErrTokenExists) {
			continue
		}
		if errors.Is(err, ErrTokenLimit) {
			return "", nil, FieldErrors{"name": {"This user already has an API token; revoke it before creating another."}}
		}
		if err != nil {
			return "", nil, err
		}
		return key, t, nil
	}
	return "", nil, ErrTokenExists
}

// TokenUser returns the user and token for an API token key: ErrTokenNotFound for an unknown (or
// malformed) key, ErrUserInactive when the token's user is inactive.
func (m *Manager) TokenUser(ctx context.Context, key string) (*User, *Token, error) {
	if m.Tokens == nil {
		return nil, nil, ErrTokenNotFound
	}
	if !validTokenKey(key) {
		return nil, nil, ErrTokenNotFound
	}
	t, u, err := m.Tokens.TokenUser(ctx, m.tokenKeyHash(key))
	if err != nil {
		return nil, nil, err
	}
	if !u.IsActive {
		return nil, nil, ErrUserInactive
	}
	return u, t, nil
}

// validTokenKey accepts what CreateToken issues (40 hex characters) and any other DRF-style key of up to
// 40 letters and digits (keys imported from a DRF authtoken table). Anything else is refused without a
// store lookup.
func validTokenKey(key string) bool {
	if len(key) == 0 || len(key) > TokenKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
