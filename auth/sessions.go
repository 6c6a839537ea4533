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
	ID        string    `json:"id"`         // the public id
	Created   time.Time `json:"created"`    // start of its lifetime (reset when its key changes, as at login), UTC
	LastSeen  time.Time `json:"last_seen"`  // when the session was last saved or touched, UTC
	Expires   time.Time `json:"expires"`    // when the store forgets the session, UTC
	IP        string    `json:"ip"`         // client address when the session was last saved with one
	UserAgent string    `json:"user_agent"` // client User-Agent likewise
	Current   bool      `json:"current"`    // it is the session whose public id was passed as current
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
	return sessionInfos(entries, current), nil
}

// sessionInfos describes entries, most recently used first, marking the one whose public id is
// current.
func sessionInfos(entries []session.Entry, current string) []SessionInfo {
	out := make([]SessionInfo, 0, len(entries))
	for _, e := range entries {
		id := session.PublicID(e.ID)
		out = append(out, SessionInfo{
			ID: id, Created: e.Record.Created.UTC(), LastSeen: e.Record.LastSeen.UTC(), Expires: e.Record.Expires.UTC(),
			IP: e.Record.IP, UserAgent: e.Record.UserAgent, Current: id == current,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastSeen.After(out[j].LastSeen) })
	return out
}

// SessionsByUser lists the live sessions of several users (administration), most recently used
// first for each: in one pass over the store when it is a session.Lister and more than one user is
// asked for, user by user through the index otherwise.
func (m *Manager) SessionsByUser(ctx context.Context, userIDs []int64) (map[int64][]SessionInfo, error) {
	out := make(map[int64][]SessionInfo, len(userIDs))
	if l, ok := m.Sessions.Store.(session.Lister); ok && len(userIDs) > 1 {
		all, err := l.Sessions(ctx)
		if err != nil {
			return nil, err
		}
		wanted := make(map[string]int64, len(userIDs))
		for _, id := range userIDs {
			wanted[strconv.FormatInt(id, 10)] = id
		}
		byUser := make(map[int64][]session.Entry)
		for _, e := range all {
			if id, ok := wanted[e.Record.UserID]; ok {
				byUser[id] = append(byUser[id], e)
			}
		}
		for id, entries := range byUser {
			out[id] = sessionInfos(entries, "")
		}
		return out, nil
	}
	for _, id := range userIDs {
		list, err := m.UserSessions(ctx, id, "")
		if err != nil {
			return nil, err
		}
		out[id] = list
	}
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
