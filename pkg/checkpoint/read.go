package checkpoint

import (
	"context"
	"iter"

	"gorm.io/gorm/clause"
)

var orderByKey = clause.OrderByColumn{Column: clause.Column{Name: "key"}}

// Get returns the committed record (pipeline, key).
func (c *core) Get(ctx context.Context, pipeline, key string) (Record, bool, error) {
	db, err := c.read(ctx)
	if err != nil {
		return Record{}, false, err
	}
	var rows []recordRow
	err = db.Where(map[string]any{"pipeline": pipeline, "key": key}).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return Record{}, false, err
	}
	return rows[0].record(), true, nil
}

// Contacts returns the confirmed contact JSON of those of keys whose
// record has one, a batch of keys per query.
func (c *core) Contacts(ctx context.Context, pipeline string, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for start := 0; start < len(keys); start += c.opts.PageSize {
		db, err := c.read(ctx)
		if err != nil {
			return nil, err
		}
		var rows []struct{ Key, Contact string }
		err = db.Model(&recordRow{}).Select("key", "contact").
			Where(map[string]any{"pipeline": pipeline, "key": keys[start:min(start+c.opts.PageSize, len(keys))]}).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Contact != "" {
				out[r.Key] = r.Contact
			}
		}
	}
	return out, nil
}

// Records streams the records of pipeline by key, a page at a time.
func (c *core) Records(ctx context.Context, pipeline string) iter.Seq2[Record, error] {
	return c.stream(ctx, pipeline, nil, true)
}

// ByState streams the records of pipeline in states by key, a page at a
// time. With no states it yields nothing.
func (c *core) ByState(ctx context.Context, pipeline string, states ...State) iter.Seq2[Record, error] {
	return c.stream(ctx, pipeline, states, false)
}

// stream pages by key (keyset pagination) so that a page costs the same
// anywhere in the table and records changing state meanwhile are neither
// skipped nor repeated.
func (c *core) stream(ctx context.Context, pipeline string, states []State, all bool) iter.Seq2[Record, error] {
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	return func(yield func(Record, error) bool) {
		if !all && len(states) == 0 {
			return
		}
		after, first := "", true
		for {
			db, err := c.read(ctx)
			if err != nil {
				yield(Record{}, err)
				return
			}
			q := db.Where(map[string]any{"pipeline": pipeline})
			if !all {
				q = q.Where(map[string]any{"state": names})
			}
			if !first {
				q = q.Where(clause.Gt{Column: clause.Column{Name: "key"}, Value: after})
			}
			var rows []recordRow
			if err := q.Order(orderByKey).Limit(c.opts.PageSize).Find(&rows).Error; err != nil {
				yield(Record{}, err)
				return
			}
			for _, r := range rows {
				if !yield(r.record(), nil) {
					return
				}
			}
			if len(rows) < c.opts.PageSize {
				return
			}
			after, first = rows[len(rows)-1].Key, false
		}
	}
}

// CountByState counts the committed records of pipeline per state.
func (c *core) CountByState(ctx context.Context, pipeline string) (map[State]int, error) {
	db, err := c.read(ctx)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		State string
		N     int
	}
	err = db.Model(&recordRow{}).Select("state, COUNT(*) AS n").
		Where(map[string]any{"pipeline": pipeline}).Group("state").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make(map[State]int, len(rows))
	for _, r := range rows {
		out[State(r.State)] = r.N
	}
	return out, nil
}

// Attempts returns the kept history of one record, oldest first.
func (c *core) Attempts(ctx context.Context, pipeline, key string) ([]Attempt, error) {
	db, err := c.read(ctx)
	if err != nil {
		return nil, err
	}
	var rows []attemptRow
	err = db.Where(map[string]any{"pipeline": pipeline, "key": key}).Order("id").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]Attempt, len(rows))
	for i, r := range rows {
		out[i] = r.attempt()
	}
	return out, nil
}
