package checkpoint

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

func validQuota(keyHash, day string, n int) error {
	if err := validName("key hash", keyHash); err != nil {
		return err
	}
	if err := validName("quota day", day); err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("checkpoint: %w: negative quota count %d", ErrInvalid, n)
	}
	return nil
}

// SpendQuota adds n to the day's usage unless that exceeds limit. The
// check and the increment are one conditional UPDATE, so processes sharing
// the checkpoint can never over-spend, whatever the isolation level.
func (c *core) SpendQuota(ctx context.Context, keyHash, day string, n, limit int) (int, bool, error) {
	if err := validQuota(keyHash, day, n); err != nil {
		return 0, false, err
	}
	var ok bool
	used, err := c.updateQuota(ctx, keyHash, day, func(q *gorm.DB, now time.Time) error {
		if limit > 0 {
			q = q.Where("used + ? <= ?", n, limit)
		}
		res := q.Updates(map[string]any{"used": gorm.Expr("used + ?", n), "updated_at": now})
		ok = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return 0, false, err
	}
	return used, ok, nil
}

// updateQuota runs update on the day's ledger row (created at 0 if
// missing) in one transaction and returns the usage after it.
func (c *core) updateQuota(ctx context.Context, keyHash, day string, update func(q *gorm.DB, now time.Time) error) (int, error) {
	var used int
	now := c.now()
	err := c.w.do(ctx, func(tx *gorm.DB) error {
		where := map[string]any{"key_hash": keyHash, "day": day}
		err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&quotaRow{KeyHash: keyHash, Day: day, UpdatedAt: now}).Error
		if err != nil {
			return err
		}
		if err := update(tx.Model(&quotaRow{}).Where(where), now); err != nil {
			return err
		}
		return tx.Model(&quotaRow{}).Where(where).Select("used").Scan(&used).Error
	})
	return used, err
}

// RefundQuota gives back n requests, never going below zero.
func (c *core) RefundQuota(ctx context.Context, keyHash, day string, n int) error {
	if err := validQuota(keyHash, day, n); err != nil {
		return err
	}
	now := c.now()
	return c.w.do(ctx, func(tx *gorm.DB) error {
		return tx.Model(&quotaRow{}).Where(map[string]any{"key_hash": keyHash, "day": day}).
			Updates(map[string]any{
				"used":       gorm.Expr("CASE WHEN used > ? THEN used - ? ELSE 0 END", n, n),
				"updated_at": now,
			}).Error
	})
}

// RaiseQuota sets the day's usage to atLeast when it is lower.
func (c *core) RaiseQuota(ctx context.Context, keyHash, day string, atLeast int) (int, error) {
	if err := validQuota(keyHash, day, atLeast); err != nil {
		return 0, err
	}
	return c.updateQuota(ctx, keyHash, day, func(q *gorm.DB, now time.Time) error {
		return q.Where("used < ?", atLeast).Updates(map[string]any{"used": atLeast, "updated_at": now}).Error
	})
}

// QuotaUsed returns the day's committed usage.
func (c *core) QuotaUsed(ctx context.Context, keyHash, day string) (int, error) {
	db, err := c.read(ctx)
	if err != nil {
		return 0, err
	}
	var rows []quotaRow
	err = db.Where(map[string]any{"key_hash": keyHash, "day": day}).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	return rows[0].Used, nil
}
