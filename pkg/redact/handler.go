package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// NewHandler returns a slog.Handler that masks personal data before h sees
// it, so that no log line carries a full phone number or email address,
// even when a code path logs a raw error that quotes one (an API answer
// "phone +15551234567 is not valid").
//
// Every record's message and every attribute value, at any depth of
// groups and in attributes added with WithAttrs, goes through Text:
//   - strings are masked;
//   - errors and fmt.Stringers become their masked message (the text and
//     JSON handlers print an error as its message anyway);
//   - any other value (a struct, a map, a slice) is kept as it is unless
//     its printed form holds personal data, in which case it becomes the
//     masked printed form;
//   - numbers, booleans, times and durations are kept.
//
// LogValuers are resolved first. Attribute keys and group names are not
// masked: they come from the code, never from data. Enabled, WithGroup and
// the record's time, level and source position are h's.
func NewHandler(h slog.Handler) slog.Handler { return &handler{h: h} }

type handler struct{ h slog.Handler }

func (m *handler) Enabled(ctx context.Context, l slog.Level) bool { return m.h.Enabled(ctx, l) }

func (m *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return m.h.Handle(ctx, out)
}

func (m *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{h: m.h.WithAttrs(maskAttrs(attrs))}
}

func (m *handler) WithGroup(name string) slog.Handler {
	return &handler{h: m.h.WithGroup(name)}
}

func maskAttrs(attrs []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = maskAttr(a)
	}
	return out
}

func maskAttr(a slog.Attr) slog.Attr {
	return slog.Attr{Key: a.Key, Value: maskValue(a.Value.Resolve())}
}

func maskValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(Text(v.String()))
	case slog.KindGroup:
		return slog.GroupValue(maskAttrs(v.Group())...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case nil:
			return v
		case error:
			return slog.StringValue(Text(safely(x.Error)))
		case fmt.Stringer:
			return slog.StringValue(Text(safely(x.String)))
		case []byte:
			return slog.StringValue(Text(string(x)))
		default:
			s := fmt.Sprintf("%+v", x)
			if m := Text(s); m != s {
				return slog.StringValue(m)
			}
		}
	}
	return v
}

// safely calls an Error or String method, which may panic on a nil
// receiver, and returns a placeholder instead of crashing the log call.
func safely(f func() string) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("!PANIC: %v", r)
		}
	}()
	return f()
}
