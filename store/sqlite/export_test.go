package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sessionauth/sessionauth/session"
)

// FillSessions inserts n live sessions in one transaction (benchmark fixtures) and returns up to
// 1024 of their ids.
func FillSessions(s *Store, n int) ([]string, error) {
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO sessions (id, user_id, data, created, last_seen, expires, version)
		VALUES (?, ?, ?, ?, ?, ?, 1)`)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var ids []string
	for i := range n {
		id := session.HashKey(fmt.Sprintf("fill-%d", i))
		if _, err := stmt.ExecContext(ctx, id, fmt.Sprint(i%5000), `{"_auth_user_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`,
			now.UnixNano(), now.UnixNano(), now.Add(time.Hour).UnixNano()); err != nil {
			return nil, err
		}
		if i%(n/1024+1) == 0 && len(ids) < 1024 {
			ids = append(ids, id)
		}
	}
	return ids, tx.Commit()
}

// JournalModes reports the journal mode each of the store's pools sees, by pool ("write", "read").
func JournalModes(ctx context.Context, s *Store) (map[string]string, error) {
	out := map[string]string{}
	for name, db := range map[string]*sql.DB{"write": s.w, "read": s.r} {
		var mode string
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return nil, fmt.Errorf("%s pool: %w", name, err)
		}
		out[name] = mode
	}
	return out, nil
}
