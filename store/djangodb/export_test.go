package djangodb

import (
	"context"
	"strconv"

	"github.com/sessionauth/sessionauth/session"
)

// FillSessions inserts n sessions of n/perUser users in one transaction (Save commits each), for
// benchmarks. It returns the ids.
func (s *Store) FillSessions(ctx context.Context, n, perUser int, rec session.Record) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids := make([]string, 0, n)
	for i := range n {
		key, err := session.NewKey()
		if err != nil {
			return nil, err
		}
		r := rec
		r.Version = 1
		r.UserID = strconv.Itoa(i / perUser)
		data, err := s.encode(key, &r)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO django_session (session_key, session_data, expire_date) VALUES ($1, $2, $3)",
			key, data, s.dialect.timeArg(r.Expires)); err != nil {
			return nil, err
		}
		ids = append(ids, key)
	}
	return ids, tx.Commit()
}
