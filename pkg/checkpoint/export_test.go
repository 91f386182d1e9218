package checkpoint

// FailNextCommit makes the next commit of s fail with err, as a full disk
// or an I/O error would.
func FailNextCommit(s *SQLiteStore, err error) { s.w.failNext.Store(&err) }

// CloseDB closes the store's connection pool under its writer, as a lost
// database would.
func CloseDB(s *SQLiteStore) { _ = s.sqlDB.Close() }

// Pragma reads a pragma on one of the store's pooled connections.
func Pragma(s *SQLiteStore, name string) string {
	var v string
	_ = s.db.Raw("PRAGMA " + name).Scan(&v).Error
	return v
}

// PostgresSetting reads a setting on one of the store's pooled sessions.
func PostgresSetting(s *PostgresStore, name string) string {
	var v string
	_ = s.db.Raw("SELECT current_setting(?)", name).Scan(&v).Error
	return v
}

// PgBusy is the PostgreSQL store's busy classifier.
var PgBusy = pgBusy

// PostgresTables lists the tables SizeBytes counts.
func PostgresTables() []string { return pgTables }
