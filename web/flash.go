package web

import (
	"fmt"
	"net/http"

	"github.com/sessionauth/sessionauth/session"
)

// flashKey is the session key of a one-time message shown on the next page (Django's messages
// framework, reduced to one message). Only texts built here are stored, never user input.
const flashKey = "_web_flash"

// setFlash stores msg for the next page the session sees.
func setFlash(r *http.Request, msg string) error {
	return session.From(r).Set(flashKey, msg)
}

// popFlash returns the pending message, if any, and removes it.
func popFlash(r *http.Request) (string, error) {
	s := session.From(r)
	msg, err := s.GetString(flashKey)
	if err != nil || msg == "" {
		return "", err
	}
	return msg, s.Delete(flashKey)
}

// plural writes "1 session", "2 sessions".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
