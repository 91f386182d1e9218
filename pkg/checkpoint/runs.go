package checkpoint

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"
)

// BeginRun records a dirty run and reports whether the latest earlier
// non-dry run of pipeline is still dirty.
func (c *core) BeginRun(ctx context.Context, pipeline string, dryRun bool) (int64, bool, error) {
	if err := validName("pipeline", pipeline); err != nil {
		return 0, false, err
	}
	var id int64
	var lastDirty bool
	now := c.now()
	err := c.w.do(ctx, func(tx *gorm.DB) error {
		var last []runRow
		err := tx.Where(map[string]any{"pipeline": pipeline, "dry_run": false}).
			Order("id DESC").Limit(1).Find(&last).Error
		if err != nil {
			return err
		}
		lastDirty = len(last) == 1 && last[0].Dirty
		row := runRow{Pipeline: pipeline, StartedAt: now, Dirty: true, DryRun: dryRun}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		id = row.ID
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return id, lastDirty, nil
}

// FinishRun clears the run's dirty flag and stores its outcome.
func (c *core) FinishRun(ctx context.Context, runID int64, exitCode int, counts any) error {
	js, err := json.Marshal(counts)
	if err != nil {
		return fmt.Errorf("checkpoint: %w: counts: %v", ErrInvalid, err)
	}
	var found bool
	now := c.now()
	err = c.w.do(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&runRow{}).Where(map[string]any{"id": runID}).Updates(map[string]any{
			"finished_at": now, "exit_code": exitCode, "counts": string(js), "dirty": false,
		})
		found = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("checkpoint: finish run %d: %w", runID, ErrUnknownRun)
	}
	return nil
}

// LastRuns returns up to n runs of pipeline, newest first.
func (c *core) LastRuns(ctx context.Context, pipeline string, n int) ([]Run, error) {
	db, err := c.read(ctx)
	if err != nil {
		return nil, err
	}
	var rows []runRow
	err = db.Where(map[string]any{"pipeline": pipeline}).Order("id DESC").Limit(max(n, 0)).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]Run, len(rows))
	for i, r := range rows {
		out[i] = r.run()
	}
	return out, nil
}

// LastFinishedRun returns the newest finished, non-dry run of pipeline
// whose exit code is one of exitCodes, and whether there is one.
func (c *core) LastFinishedRun(ctx context.Context, pipeline string, exitCodes ...int) (Run, bool, error) {
	db, err := c.read(ctx)
	if err != nil {
		return Run{}, false, err
	}
	if len(exitCodes) == 0 {
		return Run{}, false, nil
	}
	var rows []runRow
	err = db.Where(map[string]any{"pipeline": pipeline, "dry_run": false, "dirty": false}).
		Where("exit_code IN ?", exitCodes).Order("id DESC").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return Run{}, false, err
	}
	return rows[0].run(), true, nil
}
