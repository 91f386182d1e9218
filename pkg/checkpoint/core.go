package checkpoint

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
	"gorm.io/gorm"
)

// core implements Store on any gorm dialect; the openers add what is
// specific to one database.
type core struct {
	db       *gorm.DB
	sqlDB    *sql.DB
	opts     Options
	clk      clock.Clock
	w        *writer
	location string
	// staleSnapshots holds the pipelines whose snapshot a read could
	// not use: CompactBaseline rewrites them even when current.
	staleSnapshots sync.Map
}

// newCore migrates db and starts the writer. isBusy says whether an error
// means "the database is locked by someone else, try again".
func newCore(ctx context.Context, db *gorm.DB, location string, opts Options, isBusy func(error) bool) (*core, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	c := &core{db: db, sqlDB: sqlDB, opts: opts, clk: opts.Clock, location: location}
	if err := migrate(ctx, db, c.now); err != nil {
		return nil, err
	}
	c.w = newWriter(db, opts, isBusy)
	return c, nil
}

func (c *core) now() time.Time { return c.clk.Now().UTC() }

// Location names the checkpoint.
func (c *core) Location() string { return c.location }

// Stats reports the writer's work so far.
func (c *core) Stats() Stats { return c.w.statsNow() }

// Err returns the sticky write error, or nil.
func (c *core) Err() error { return c.w.stickyErr() }

// Close flushes the journal, stops the writer and closes the database.
func (c *core) Close() error {
	if !c.w.close() {
		return ErrClosed
	}
	werr := c.w.stickyErr()
	return errors.Join(werr, c.sqlDB.Close())
}

// read returns a session for a read, or ErrClosed.
func (c *core) read(ctx context.Context) (*gorm.DB, error) {
	if c.w.isClosed() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.db.WithContext(ctx), nil
}

func validName(what, v string) error {
	if v == "" {
		return fmt.Errorf("checkpoint: %w: empty %s", ErrInvalid, what)
	}
	return nil
}
