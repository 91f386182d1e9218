package sql

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/alexsync/alexsync/pkg/sink"
)

// dialect is what differs between the databases.
type dialect struct {
	name    string
	open    func(dsn string) gorm.Dialector
	quoteCh string
	types   map[sink.Type]string
	keyType string // the key column's type, indexable
	ddlInTx bool   // DDL is transactional (not on MySQL)
	columns string // query: column names of table ?
}

var dialects = map[string]dialect{
	"sqlite": {
		name: "sqlite", open: sqlite.Open, quoteCh: `"`, ddlInTx: true,
		types:   map[sink.Type]string{sink.Text: "TEXT", sink.Phone: "TEXT", sink.Number: "REAL", sink.Time: "TIMESTAMP"},
		keyType: "TEXT",
		columns: `SELECT name FROM pragma_table_info(?)`,
	},
	"postgres": {
		name: "postgres", open: postgres.Open, quoteCh: `"`, ddlInTx: true,
		types:   map[sink.Type]string{sink.Text: "TEXT", sink.Phone: "TEXT", sink.Number: "DOUBLE PRECISION", sink.Time: "TIMESTAMP"},
		keyType: "TEXT",
		columns: `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`,
	},
	"mysql": {
		name: "mysql", open: mysql.Open, quoteCh: "`",
		// utf8mb4 on every text column, whatever the database's default
		// (latin1 on older MariaDB): a summary may hold any character.
		types: map[sink.Type]string{sink.Text: "MEDIUMTEXT CHARACTER SET utf8mb4", sink.Phone: "TEXT CHARACTER SET utf8mb4",
			sink.Number: "DOUBLE", sink.Time: "DATETIME(6)"},
		keyType: "VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
		columns: `SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?`,
	},
}

func dialectOf(driver string) (dialect, error) {
	d, ok := dialects[driver]
	if !ok {
		return d, fmt.Errorf("sql sink: unknown driver %q (want sqlite, postgres or mysql)", driver)
	}
	return d, nil
}

// quote quotes an identifier.
func (d dialect) quote(id string) string {
	return d.quoteCh + strings.ReplaceAll(id, d.quoteCh, d.quoteCh+d.quoteCh) + d.quoteCh
}

func (d dialect) columnType(table sink.Table, c sink.Column) string {
	if c.Name == table.Key {
		return d.keyType
	}
	return d.types[c.Type]
}

// migrate creates the table name for table if it does not exist, adds
// the columns it lacks and indexes the key column.
func (d dialect) migrate(conn *gorm.DB, name string, table sink.Table) error {
	defs := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		defs[i] = d.quote(c.Name) + " " + d.columnType(table, c)
	}
	create := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", d.quote(name), strings.Join(defs, ", "))
	if err := conn.Exec(create).Error; err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	var have []string
	if err := conn.Raw(d.columns, name).Scan(&have).Error; err != nil {
		return fmt.Errorf("columns of %s: %w", name, err)
	}
	var missing []string
	for _, c := range table.Columns {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, c.Name) }) {
			missing = append(missing, c.Name)
		}
	}
	if slices.Contains(missing, table.Key) {
		// Another application's table with the same name: never touch it.
		return fmt.Errorf("%w: table %s exists but is not one alexsync wrote (it has no %s column); choose other table names with output.table_prefix",
			ErrForeignTable, name, table.Key)
	}
	for _, c := range table.Columns {
		if slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, c.Name) }) {
			continue
		}
		add := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", d.quote(name), d.quote(c.Name), d.columnType(table, c))
		if err := conn.Exec(add).Error; err != nil {
			return fmt.Errorf("add column %s.%s: %w", name, c.Name, err)
		}
	}
	return d.index(conn, name, table.Key)
}

// index creates the index of the key column if it is missing.
func (d dialect) index(conn *gorm.DB, table, key string) error {
	idx := indexName(table, key)
	if d.name != "mysql" {
		stmt := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", d.quote(idx), d.quote(table), d.quote(key))
		if err := conn.Exec(stmt).Error; err != nil {
			return fmt.Errorf("index %s: %w", idx, err)
		}
		return nil
	}
	// MySQL has no CREATE INDEX IF NOT EXISTS.
	var n int64
	err := conn.Raw(`SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?`,
		table, idx).Scan(&n).Error
	if err == nil && n == 0 {
		err = conn.Exec(fmt.Sprintf("CREATE INDEX %s ON %s (%s)", d.quote(idx), d.quote(table), d.quote(key))).Error
	}
	if err != nil {
		return fmt.Errorf("index %s: %w", idx, err)
	}
	return nil
}

// indexName names the key index of table, within the 63 bytes PostgreSQL
// keeps (MySQL: 64), unique per table since PostgreSQL's index names are
// per schema.
func indexName(table, key string) string {
	name := "ix_" + table + "_" + key
	if len(name) <= 63 {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("%s_%08x", name[:50], h.Sum32())
}
