package memory_test

import (
	"testing"

	"github.com/sessionauth/sessionauth/session"
	"github.com/sessionauth/sessionauth/session/sessiontest"
	"github.com/sessionauth/sessionauth/store/memory"
)

func newStore(t *testing.T) *memory.Store {
	st := memory.New(memory.Options{})
	t.Cleanup(func() { st.Close() })
	return st
}

func TestSessionStore(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store { return newStore(t) })
}
