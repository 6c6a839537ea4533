package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3" // cgo; chosen by measurement, see docs/decisions.md
)

// driverName is mattn's driver with a connect hook: every connection maps the database file into
// memory (reads of a large database then cost memory accesses, not pread calls, so a lookup among a
// million sessions costs about what it costs among a thousand; the pages are the OS page cache's,
// shared by all connections).
const driverName = "sessionauth-sqlite3"

const mmapSize = 1 << 30 // an upper bound of the mapping, not an allocation

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA mmap_size = %d", mmapSize), nil)
			return err
		},
	})
}

// openDB opens a pool on the database file with the pragmas every connection needs. A write pool
// takes BEGIN IMMEDIATE transactions so that a transaction that reads and then writes (a throttle
// hit) holds the write lock from its start, across processes.
func openDB(path string, write bool) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	if write {
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "on")
	}
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return sql.Open(driverName, "file:"+escaped+"?"+q.Encode())
}

// isConstraint reports a UNIQUE or PRIMARY KEY violation.
func isConstraint(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrConstraint
}

// isForeignKey reports a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}
