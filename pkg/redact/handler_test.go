package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// phoneErr is an error type whose message quotes a phone, like an API
// answer wrapped by the client.
type phoneErr struct{ phone string }

func (e *phoneErr) Error() string {
	return "POST /v1/contacts: 400: phone " + e.phone + " is not valid"
}

// contact is a LogValuer that resolves to a group.
type contact struct{ phone, email string }

func (c contact) LogValue() slog.Value {
	return slog.GroupValue(slog.String("phone", c.phone), slog.String("email", c.email))
}

type stringer struct{}

func (stringer) String() string { return "call from +14155550123" }

func TestHandler(t *testing.T) {
	const phone, email = "+14155550123", "ada@example.com"
	apiErr := fmt.Errorf("request failed after retries: %w", &phoneErr{phone})
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		text string // the text handler's line, time removed
		json string // the JSON handler's line, time removed
	}{
		{"message", func(l *slog.Logger) { l.Info("refused " + phone + " and " + email) },
			`level=INFO msg="refused +1415***0123 and a***@example.com"`,
			`{"level":"INFO","msg":"refused +1415***0123 and a***@example.com"}`},
		{"string attribute", func(l *slog.Logger) { l.Warn("row", "phone", phone, "email", email) },
			`level=WARN msg=row phone=+1415***0123 email=a***@example.com`,
			`{"level":"WARN","msg":"row","phone":"+1415***0123","email":"a***@example.com"}`},
		{"error attribute", func(l *slog.Logger) { l.Warn("failed", "error", apiErr) },
			`level=WARN msg=failed error="request failed after retries: POST /v1/contacts: 400: phone +1415***0123 is not valid"`,
			`{"level":"WARN","msg":"failed","error":"request failed after retries: POST /v1/contacts: 400: phone +1415***0123 is not valid"}`},
		{"error through slog.Any", func(l *slog.Logger) { l.Error("failed", slog.Any("err", errors.New("bad email "+email))) },
			`level=ERROR msg=failed err="bad email a***@example.com"`,
			`{"level":"ERROR","msg":"failed","err":"bad email a***@example.com"}`},
		{"group", func(l *slog.Logger) {
			l.Info("row", slog.Group("contact", "phone", phone, slog.Group("inner", "email", email, "err", apiErr)))
		},
			`level=INFO msg=row contact.phone=+1415***0123 contact.inner.email=a***@example.com contact.inner.err="request failed after retries: POST /v1/contacts: 400: phone +1415***0123 is not valid"`,
			`{"level":"INFO","msg":"row","contact":{"phone":"+1415***0123","inner":{"email":"a***@example.com","err":"request failed after retries: POST /v1/contacts: 400: phone +1415***0123 is not valid"}}}`},
		{"WithAttrs", func(l *slog.Logger) { l.With("phone", phone, "err", apiErr).Info("x") },
			`level=INFO msg=x phone=+1415***0123 err="request failed after retries: POST /v1/contacts: 400: phone +1415***0123 is not valid"`,
			`{"level":"INFO","msg":"x","phone":"+1415***0123","err":"request failed after retries: POST /v1/contacts: 400: phone +1415***0123 is not valid"}`},
		{"WithGroup then WithAttrs", func(l *slog.Logger) { l.WithGroup("row").With("email", email).Info("x", "phone", phone) },
			`level=INFO msg=x row.email=a***@example.com row.phone=+1415***0123`,
			`{"level":"INFO","msg":"x","row":{"email":"a***@example.com","phone":"+1415***0123"}}`},
		{"LogValuer", func(l *slog.Logger) { l.Info("x", "contact", contact{phone, email}) },
			`level=INFO msg=x contact.phone=+1415***0123 contact.email=a***@example.com`,
			`{"level":"INFO","msg":"x","contact":{"phone":"+1415***0123","email":"a***@example.com"}}`},
		{"Stringer", func(l *slog.Logger) { l.Info("x", "call", stringer{}) },
			`level=INFO msg=x call="call from +1415***0123"`,
			`{"level":"INFO","msg":"x","call":"call from +1415***0123"}`},
		{"slice holding a phone", func(l *slog.Logger) { l.Info("x", "phones", []string{phone}) },
			`level=INFO msg=x phones=[+1415***0123]`,
			`{"level":"INFO","msg":"x","phones":"[+1415***0123]"}`},
		{"values without personal data are kept", func(l *slog.Logger) {
			l.Info("progress", "done", 12, "ok", true, "wait", 1500*time.Millisecond, "by_status", map[string]int{"201": 6}, "path", "/v1/contacts", "err", error(nil))
		},
			`level=INFO msg=progress done=12 ok=true wait=1.5s by_status=map[201:6] path=/v1/contacts err=<nil>`,
			`{"level":"INFO","msg":"progress","done":12,"ok":true,"wait":1500000000,"by_status":{"201":6},"path":"/v1/contacts","err":null}`},
		{"a nil pointer error does not crash the log call", func(l *slog.Logger) { l.Info("x", "err", error((*phoneErr)(nil))) },
			`level=INFO msg=x err="!PANIC: runtime error: invalid memory address or nil pointer dereference"`,
			`{"level":"INFO","msg":"x","err":"!PANIC: runtime error: invalid memory address or nil pointer dereference"}`},
	}
	noTime := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}}
	for _, tc := range tests {
		for _, format := range []struct {
			name string
			new  func(*bytes.Buffer) slog.Handler
			want string
		}{
			{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, noTime) }, tc.text},
			{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, noTime) }, tc.json},
		} {
			t.Run(tc.name+"/"+format.name, func(t *testing.T) {
				var b bytes.Buffer
				tc.log(slog.New(NewHandler(format.new(&b))))
				got := strings.TrimSuffix(b.String(), "\n")
				if got != format.want {
					t.Fatalf("got  %s\nwant %s", got, format.want)
				}
				if strings.Contains(got, phone) || strings.Contains(got, email) {
					t.Fatalf("a full phone or email reached the log: %s", got)
				}
				if format.name == "json" && !json.Valid([]byte(got)) {
					t.Fatalf("not JSON: %s", got)
				}
			})
		}
	}
}

func TestHandlerKeepsLevelAndSource(t *testing.T) {
	var b bytes.Buffer
	h := NewHandler(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelWarn, AddSource: true}))
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelWarn) {
		t.Fatal("Enabled is not the wrapped handler's")
	}
	l := slog.New(h)
	l.Info("hidden +14155550123")
	l.Warn("shown")
	if out := b.String(); strings.Contains(out, "hidden") || !strings.Contains(out, "source=") || !strings.Contains(out, "handler_test.go") {
		t.Fatalf("level or source lost: %s", out)
	}
}
