package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

// LoginThrottle limits password attempts per account and per client address. Attempts are counted
// before the password is checked, atomically in the store, so N parallel guesses cannot get past the
// limit; a successful login clears the account's count. Unknown usernames are counted exactly like
// known ones. Every path that checks a password (login, Basic authentication, password change) goes
// through the same counters.
type LoginThrottle struct {
	// Store keeps the attempt counters; required.
	Store throttle.Store
	// Account rates apply per username; nil means 5/min and 100/hour (ASVS: at most 100 failures an
	// hour on one account).
	Account []throttle.Rate
	// Address rates apply per client address; nil means 30/min.
	Address []throttle.Rate
}

func (t *LoginThrottle) account() []throttle.Rate {
	if t.Account != nil {
		return t.Account
	}
	return []throttle.Rate{{N: 5, Period: time.Minute}, {N: 100, Period: time.Hour}}
}

func (t *LoginThrottle) address() []throttle.Rate {
	if t.Address != nil {
		return t.Address
	}
	return []throttle.Rate{{N: 30, Period: time.Minute}}
}

func (t *LoginThrottle) validate() error {
	if t.Store == nil {
		return errors.New("auth: LoginThrottle.Store is nil")
	}
	return nil
}

// accountKey hashes the username so that keys have a bounded size and name no one.
func accountKey(username string, r throttle.Rate) string {
	sum := sha256.Sum256([]byte(username))
	return "login:user:" + hex.EncodeToString(sum[:12]) + ":" + r.String()
}

func addressKey(ip string, r throttle.Rate) string {
	return "login:addr:" + ip + ":" + r.String()
}

// attempt counts one attempt (the address first, so that a blocked address stops burning the budgets
// of the accounts it targets). A store failure refuses the attempt: throttling fails closed.
func (t *LoginThrottle) attempt(ctx context.Context, username, ip string, now time.Time) error {
	if t == nil {
		return nil
	}
	check := func(key string, r throttle.Rate) error {
		res, err := t.Store.Hit(ctx, key, now, r.N, r.Period)
		if err != nil {
			return fmt.Errorf("auth: login throttle: %w", err)
		}
		if !res.Allowed {
			return &ThrottledError{Wait: res.Wait(now, r.N, r.Period)}
		}
		return nil
	}
	if ip != "" {
		for _, r := range t.address() {
			if err := check(addressKey(ip, r), r); err != nil {
				return err
			}
		}
	}
	for _, r := range t.account() {
		if err := check(accountKey(username, r), r); err != nil {
			return err
		}
	}
	return nil
}

func (t *LoginThrottle) succeeded(ctx context.Context, username string) {
	if t == nil {
		return
	}
	for _, r := range t.account() {
		t.Store.ClearHits(ctx, accountKey(username, r))
	}
}
