package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte("sk_from_file\n# comment\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALEXSYNC_TEST_KEY", " sk_from_env ")
	t.Setenv(DefaultKeyEnv, "")
	tests := []struct {
		name    string
		api     API
		want    string
		wantErr string
	}{
		{"named env var", API{KeyEnv: "ALEXSYNC_TEST_KEY"}, "sk_from_env", ""},
		{"key file wins", API{KeyEnv: "ALEXSYNC_TEST_KEY", KeyFile: keyFile}, "sk_from_file", ""},
		{"default env var unset", API{}, "", "SMARTALEX_API_KEY is not set"},
		{"missing key file", API{KeyFile: filepath.Join(dir, "nope")}, "", "reading key file"},
		{"empty key file", API{KeyFile: empty}, "", "is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.api.Key()
			if tc.wantErr != "" {
				if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Key() error = %v, want ErrNoKey mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Key() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestURL(t *testing.T) {
	t.Setenv(EnvAPIURL, "")
	if got := (API{BaseURL: "https://a.example/v1"}).URL(); got != "https://a.example/v1" {
		t.Fatalf("URL() = %q", got)
	}
	t.Setenv(EnvAPIURL, "http://127.0.0.1:8089/v1")
	if got := (API{BaseURL: "https://a.example/v1"}).URL(); got != "http://127.0.0.1:8089/v1" {
		t.Fatalf("URL() with %s set = %q", EnvAPIURL, got)
	}
}
