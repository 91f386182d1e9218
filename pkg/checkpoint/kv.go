package checkpoint

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Cursor returns the cursor's value and whether it is set.
func (c *core) Cursor(ctx context.Context, pipeline, name string) (string, bool, error) {
	return c.getKV(ctx, tableCursors, pipeline, name)
}

// SetCursor stores the cursor's value once committed.
func (c *core) SetCursor(ctx context.Context, pipeline, name, value string) error {
	return c.setKV(ctx, tableCursors, pipeline, name, value)
}

// Meta returns the metadata value and whether it is set.
func (c *core) Meta(ctx context.Context, pipeline, name string) (string, bool, error) {
	return c.getKV(ctx, tableMeta, pipeline, name)
}

// SetMeta stores the metadata value once committed.
func (c *core) SetMeta(ctx context.Context, pipeline, name, value string) error {
	return c.setKV(ctx, tableMeta, pipeline, name, value)
}

func (c *core) getKV(ctx context.Context, table, pipeline, name string) (string, bool, error) {
	db, err := c.read(ctx)
	if err != nil {
		return "", false, err
	}
	var rows []kvRow
	err = db.Table(table).Where(map[string]any{"pipeline": pipeline, "name": name}).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return "", false, err
	}
	return rows[0].Value, true, nil
}

func (c *core) setKV(ctx context.Context, table, pipeline, name, value string) error {
	if err := validName("pipeline", pipeline); err != nil {
		return err
	}
	if err := validName(table+" name", name); err != nil {
		return err
	}
	now := c.now()
	return c.w.do(ctx, func(tx *gorm.DB) error {
		row := kvRow{Pipeline: pipeline, Name: name, Value: value, UpdatedAt: now}
		return tx.Table(table).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "pipeline"}, {Name: "name"}},
			DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
		}).Create(&row).Error
	})
}
