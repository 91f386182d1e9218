package checkpoint

import "testing"

func TestMigrationsAreInOrder(t *testing.T) {
	for i, m := range migrations {
		t.Run(m.name, func(t *testing.T) {
			if m.version != i+1 {
				t.Fatalf("migration %d has version %d: versions must be 1, 2, 3, ...", i, m.version)
			}
		})
	}
	if last := migrations[len(migrations)-1].version; last != SchemaVersion {
		t.Fatalf("SchemaVersion = %d, last migration = %d", SchemaVersion, last)
	}
}
