package postgres

import "context"

// Migrations is how many migrations this version of the package applies.
var Migrations = len(migrations)

// DeleteOldHits runs the sweeper's removal of throttle hits older than a day.
func DeleteOldHits(ctx context.Context, s *Store) (int, error) { return s.deleteOldHits(ctx) }
