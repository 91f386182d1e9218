package checkpoint

import "context"

// Lookup returns the committed records of pipeline whose key is among
// keys, by key, a page of keys per query.
func (c *core) Lookup(ctx context.Context, pipeline string, keys []string) (map[string]Record, error) {
	out := make(map[string]Record, len(keys))
	for start := 0; start < len(keys); start += c.opts.PageSize {
		db, err := c.read(ctx)
		if err != nil {
			return nil, err
		}
		var rows []recordRow
		err = db.Where(map[string]any{"pipeline": pipeline, "key": keys[start:min(start+c.opts.PageSize, len(keys))]}).Find(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Key] = r.record()
		}
	}
	return out, nil
}
