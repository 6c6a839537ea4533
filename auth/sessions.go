package auth

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/sessionauth/sessionauth/session"
)

// SessionInfo describes one session of a user, as shown in a list of their devices. ID is the public
// id (session.PublicID), never the cookie value.
type SessionInfo struct {
	ID        string    `json:"id"`
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	Expires   time.Time `json:"expires"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Current   bool      `json:"current"`
}

func (m *Manager) index() (session.UserIndex, error) {
	ix, ok := m.Sessions.Store.(session.UserIndex)
	if !ok {
		return nil, ErrNoSessionIndex
	}
	return ix, nil
}

// UserSessions lists the live sessions of a user, most recently used first. The session whose public
// id is current is marked Current.
func (m *Manager) UserSessions(ctx context.Context, userID int64, current string) ([]SessionInfo, error) {
	ix, err := m.index()
	if err != nil {
		return nil, err
	}
	entries, err := ix.UserSessions(ctx, strconv.FormatInt(userID, 10))
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, 0, len(entries))
	for _, e := range entries {
		id := session.PublicID(e.ID)
		out = append(out, SessionInfo{
			ID: id, Created: e.Record.Created.UTC(), LastSeen: e.Record.LastSeen.UTC(), Expires: e.Record.Expires.UTC(),
			IP: e.Record.IP, UserAgent: e.Record.UserAgent, Current: id == current,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastSeen.After(out[j].LastSeen) })
	return out, nil
}

// RevokeSession deletes the session with that public id if it belongs to userID (ErrSessionNotFound
// otherwise).
func (m *Manager) RevokeSession(ctx context.Context, userID int64, publicID string) error {
	ix, err := m.index()
	if err != nil {
		return err
	}
	entries, err := ix.UserSessions(ctx, strconv.FormatInt(userID, 10))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if session.PublicID(e.ID) == publicID {
			return m.Sessions.Store.Delete(ctx, e.ID)
		}
	}
	return ErrSessionNotFound
}

// RevokeUserSessions deletes every session of userID except the one with public id keep ("" keeps
// none) and reports how many it deleted.
func (m *Manager) RevokeUserSessions(ctx context.Context, userID int64, keep string) (int, error) {
	ix, err := m.index()
	if err != nil {
		return 0, err
	}
	user := strconv.FormatInt(userID, 10)
	keepID := ""
	if keep != "" {
		entries, err := ix.UserSessions(ctx, user)
		if err != nil {
			return 0, err
		}
		for _, e := range entries {
			if session.PublicID(e.ID) == keep {
				keepID = e.ID
			}
		}
		if keepID == "" {
			return 0, ErrSessionNotFound
		}
	}
	return ix.DeleteUserSessions(ctx, user, keepID)
}

// RevokeOtherSessions ends every session of the request's user except the request's own.
func (m *Manager) RevokeOtherSessions(r *http.Request, u *User) (int, error) {
	current, err := session.From(r).PublicID()
	if err != nil {
		return 0, err
	}
	if current == "" {
		return 0, ErrSessionNotFound
	}
	return m.RevokeUserSessions(r.Context(), u.ID, current)
}
