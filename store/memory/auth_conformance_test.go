package memory_test

import (
	"testing"

	"github.com/sessionauth/sessionauth/auth"
	"github.com/sessionauth/sessionauth/auth/authtest"
)

func TestUserStore(t *testing.T) {
	authtest.RunUserStore(t, func(t *testing.T) auth.UserStore { return newStore(t) })
}

func TestTokenStore(t *testing.T) {
	authtest.RunTokenStore(t, func(t *testing.T) authtest.UserTokenStore { return newStore(t) })
}
