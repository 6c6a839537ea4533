package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// statements are prepared once: the hot paths (session load, user load, token lookup) skip SQL parsing.
type statements struct {
	loadSession, loadUser, tokenUser *sql.Stmt
	all                              []*sql.Stmt
}

const userColumns = "id, username, email, password, is_active, is_staff, is_superuser, date_joined, last_login"

func (st *statements) prepare(ctx context.Context, w, r *sql.DB) error {
	prep := func(db *sql.DB, q string) (*sql.Stmt, error) {
		s, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("sqlite: preparing %q: %w", q, err)
		}
		st.all = append(st.all, s)
		return s, nil
	}
	var err error
	if st.loadSession, err = prep(r, `SELECT user_id, data, created, last_seen, expires, transient, ip, user_agent, version
		FROM sessions WHERE id = ? AND expires > ?`); err != nil {
		return err
	}
	if st.loadUser, err = prep(r, "SELECT "+userColumns+" FROM users WHERE id = ?"); err != nil {
		return err
	}
	if st.tokenUser, err = prep(r, `SELECT t.id, t.user_id, t.name, t.key_hash, t.created,
		u.id, u.username, u.email, u.password, u.is_active, u.is_staff, u.is_superuser, u.date_joined, u.last_login
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.key_hash = ?`); err != nil {
		return err
	}
	return nil
}

func (st *statements) close() {
	for _, s := range st.all {
		s.Close()
	}
}
