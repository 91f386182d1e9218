package checkpoint

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

var recordPK = []clause.Column{{Name: "pipeline"}, {Name: "key"}}

// confirmedColumns are overwritten by Confirm and Upsert on an existing
// record; created_at is kept.
var confirmedColumns = []string{
	"row_hash", "contact_hash", "contact", "remote_id", "origin", "state", "attempts",
	"last_error", "line", "phone", "updated_at", "synced_at",
}

func validRecords(recs []Record) error {
	for _, r := range recs {
		if err := validRecord(r); err != nil {
			return err
		}
	}
	return nil
}

func validRecord(rec Record) error {
	if err := validName("pipeline", rec.Pipeline); err != nil {
		return err
	}
	return validName("record key", rec.Key)
}

// MarkInFlight marks recs in flight and returns once the marks committed.
func (c *core) MarkInFlight(ctx context.Context, recs ...Record) error {
	if err := validRecords(recs); err != nil || len(recs) == 0 {
		return err
	}
	recs = append([]Record(nil), recs...)
	now := c.now()
	return c.w.do(ctx, func(tx *gorm.DB) error {
		for _, r := range recs {
			row := recordRow{
				Pipeline: r.Pipeline, Key: r.Key, Phone: r.Phone, Line: r.Line, RemoteID: r.RemoteID, Origin: string(r.Origin),
				State: string(StateInFlight), Attempts: 1, CreatedAt: now, UpdatedAt: now,
			}
			err := tx.Clauses(clause.OnConflict{
				Columns: recordPK,
				DoUpdates: append(clause.Assignments(map[string]any{
					"state":    string(StateInFlight),
					"attempts": gorm.Expr("records.attempts + 1"),
					// A delete's mark knows no phone or line: keep them.
					"phone": gorm.Expr("CASE WHEN excluded.phone = '' THEN records.phone ELSE excluded.phone END"),
					"line":  gorm.Expr("CASE WHEN excluded.line = 0 THEN records.line ELSE excluded.line END"),
					// The origin the write is for (a do-not-call take-over
					// stays protected even if it fails), when given.
					"origin": gorm.Expr("CASE WHEN excluded.origin = '' THEN records.origin ELSE excluded.origin END"),
				}), clause.AssignmentColumns([]string{"remote_id", "updated_at"})...),
			}).Create(&row).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Sending stamps the UpdatedAt of those of recs still in flight with now
// and returns once committed.
func (c *core) Sending(ctx context.Context, recs ...Record) error {
	if err := validRecords(recs); err != nil || len(recs) == 0 {
		return err
	}
	recs = append([]Record(nil), recs...)
	return c.w.do(ctx, func(tx *gorm.DB) error {
		now := c.now() // at the commit, however long the queue took
		for _, r := range recs {
			err := tx.Model(&recordRow{}).
				Where(map[string]any{"pipeline": r.Pipeline, "key": r.Key, "state": string(StateInFlight)}).
				Update("updated_at", now).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Confirm queues rec as confirmed, with att appended to its history.
func (c *core) Confirm(ctx context.Context, rec Record, att Attempt) error {
	if err := validRecord(rec); err != nil {
		return err
	}
	now := c.now()
	return c.w.async(ctx, func(tx *gorm.DB) error {
		r := rec
		r.State, r.Attempts, r.LastError, r.SyncedAt, r.UpdatedAt = StateSynced, 0, "", now, now
		if err := c.putRecord(tx, r, now); err != nil {
			return err
		}
		return c.appendAttempt(tx, rec, att, now)
	})
}

// Fail queues a refusal of rec by the API.
func (c *core) Fail(ctx context.Context, rec Record, att Attempt) error {
	return c.setState(ctx, rec, att, StateFailed)
}

// InDoubt queues an unknown outcome for rec.
func (c *core) InDoubt(ctx context.Context, rec Record, att Attempt) error {
	return c.setState(ctx, rec, att, StateInDoubt)
}

// Unsent queues a write that was never applied: state pending.
func (c *core) Unsent(ctx context.Context, rec Record, att Attempt) error {
	return c.setState(ctx, rec, att, StatePending)
}

func (c *core) setState(ctx context.Context, rec Record, att Attempt, state State) error {
	if err := validRecord(rec); err != nil {
		return err
	}
	msg := att.Error
	if msg == "" {
		msg = rec.LastError
	}
	now := c.now()
	return c.w.async(ctx, func(tx *gorm.DB) error {
		// A record never marked gets its identity only: nothing confirmed.
		row := recordRow{
			Pipeline: rec.Pipeline, Key: rec.Key, Phone: rec.Phone, Line: rec.Line,
			State: string(state), Attempts: rec.Attempts, LastError: msg, CreatedAt: now, UpdatedAt: now,
		}
		err := tx.Clauses(clause.OnConflict{
			Columns:   recordPK,
			DoUpdates: clause.AssignmentColumns([]string{"state", "last_error", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		return c.appendAttempt(tx, rec, att, now)
	})
}

// Upsert queues rec to be stored as given.
func (c *core) Upsert(ctx context.Context, rec Record) error {
	if err := validRecord(rec); err != nil {
		return err
	}
	now := c.now()
	return c.w.async(ctx, func(tx *gorm.DB) error {
		r := rec
		if r.State == "" {
			r.State = StatePending
		}
		r.UpdatedAt = now
		return c.putRecord(tx, r, now)
	})
}

// KeepAsDNC queues that rec's contact was marked do-not-call: origin dnc,
// state synced, everything else the record holds kept.
func (c *core) KeepAsDNC(ctx context.Context, rec Record, att Attempt) error {
	if err := validRecord(rec); err != nil {
		return err
	}
	now := c.now()
	return c.w.async(ctx, func(tx *gorm.DB) error {
		err := tx.Model(&recordRow{}).Where(map[string]any{"pipeline": rec.Pipeline, "key": rec.Key}).
			Updates(map[string]any{"origin": string(OriginDNC), "state": string(StateSynced), "attempts": 0,
				"last_error": "", "updated_at": now, "synced_at": now}).Error
		if err != nil {
			return err
		}
		return c.appendAttempt(tx, rec, att, now)
	})
}

// Remove queues the deletion of rec, keeping its history.
func (c *core) Remove(ctx context.Context, rec Record, att Attempt) error {
	if err := validRecord(rec); err != nil {
		return err
	}
	now := c.now()
	return c.w.async(ctx, func(tx *gorm.DB) error {
		err := tx.Where(map[string]any{"pipeline": rec.Pipeline, "key": rec.Key}).Delete(&recordRow{}).Error
		if err != nil {
			return err
		}
		return c.appendAttempt(tx, rec, att, now)
	})
}

// Flush waits until everything queued before it is committed.
func (c *core) Flush(ctx context.Context) error { return c.w.flush(ctx) }

// putRecord inserts r, or overwrites every field but created_at.
func (c *core) putRecord(tx *gorm.DB, r Record, now time.Time) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	row := newRecordRow(r)
	return tx.Clauses(clause.OnConflict{
		Columns:   recordPK,
		DoUpdates: clause.AssignmentColumns(confirmedColumns),
	}).Create(&row).Error
}

// appendAttempt adds att to rec's history and drops all but the newest
// AttemptsKept entries.
func (c *core) appendAttempt(tx *gorm.DB, rec Record, att Attempt, now time.Time) error {
	if att.Action == "" && att.Outcome == "" && att.Error == "" {
		return nil // no attempt to record
	}
	if att.At.IsZero() {
		att.At = now
	}
	row := attemptRow{
		Pipeline: rec.Pipeline, Key: rec.Key, At: att.At.UTC(), Action: string(att.Action),
		Status: att.Status, Outcome: att.Outcome, Error: att.Error, RequestID: att.RequestID,
	}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	where := map[string]any{"pipeline": rec.Pipeline, "key": rec.Key}
	keep := tx.Session(&gorm.Session{NewDB: true}).Model(&attemptRow{}).Select("id").
		Where(where).Order("id DESC").Limit(c.opts.AttemptsKept)
	return tx.Where(where).Where("id NOT IN (?)", keep).Delete(&attemptRow{}).Error
}
