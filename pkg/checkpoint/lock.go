package checkpoint

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

func validLock(pipeline, owner string, ttl time.Duration) error {
	if err := validName("pipeline", pipeline); err != nil {
		return err
	}
	if err := validName("lock owner", owner); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("checkpoint: %w: lock ttl %v", ErrInvalid, ttl)
	}
	return nil
}

// AcquireLock takes the pipeline's lease for owner when it is free, expired
// or already owner's (which renews it).
func (c *core) AcquireLock(ctx context.Context, pipeline, owner string, ttl time.Duration) (bool, string, time.Time, error) {
	if err := validLock(pipeline, owner, ttl); err != nil {
		return false, "", time.Time{}, err
	}
	var got lockRow
	var ok bool
	now := c.now()
	err := c.w.do(ctx, func(tx *gorm.DB) error {
		want := lockRow{Pipeline: pipeline, Owner: owner, AcquiredAt: now.UnixMilli(), ExpiresAt: now.Add(ttl).UnixMilli()}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&want)
		if res.Error != nil {
			return res.Error
		}
		ok, got = res.RowsAffected == 1, want
		if !ok {
			res = tx.Model(&lockRow{}).Where(map[string]any{"pipeline": pipeline, "owner": owner}).
				Update("expires_at", want.ExpiresAt)
			ok = res.RowsAffected == 1
		}
		if !ok && res.Error == nil {
			res = tx.Model(&lockRow{}).Where(map[string]any{"pipeline": pipeline}).
				Where("expires_at <= ?", want.AcquiredAt).
				Updates(map[string]any{"owner": owner, "acquired_at": want.AcquiredAt, "expires_at": want.ExpiresAt})
			ok = res.RowsAffected == 1
		}
		if res.Error != nil || ok {
			return res.Error
		}
		var held []lockRow
		if err := tx.Where(map[string]any{"pipeline": pipeline}).Limit(1).Find(&held).Error; err != nil {
			return err
		}
		if len(held) == 0 {
			// Released by its holder between our statements, which READ
			// COMMITTED allows: the batch is retried.
			return errContended
		}
		got = held[0]
		return nil
	})
	if err != nil {
		return false, "", time.Time{}, err
	}
	return ok, got.Owner, time.UnixMilli(got.ExpiresAt).UTC(), nil
}

// RenewLock extends owner's lease to now+ttl, or returns ErrLockLost.
func (c *core) RenewLock(ctx context.Context, pipeline, owner string, ttl time.Duration) error {
	if err := validLock(pipeline, owner, ttl); err != nil {
		return err
	}
	var held bool
	now := c.now()
	err := c.w.do(ctx, func(tx *gorm.DB) error {
		// An expired lease nobody took over is still renewable: nobody else
		// can have acted on the pipeline meanwhile.
		res := tx.Model(&lockRow{}).Where(map[string]any{"pipeline": pipeline, "owner": owner}).
			Update("expires_at", now.Add(ttl).UnixMilli())
		held = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("checkpoint: renew lock of %q: %w", pipeline, ErrLockLost)
	}
	return nil
}

// ReleaseLock deletes the lock if owner holds it.
func (c *core) ReleaseLock(ctx context.Context, pipeline, owner string) error {
	if err := validName("pipeline", pipeline); err != nil {
		return err
	}
	return c.w.do(ctx, func(tx *gorm.DB) error {
		return tx.Where(map[string]any{"pipeline": pipeline, "owner": owner}).Delete(&lockRow{}).Error
	})
}
