package prepare

import "testing"

var emailCases = []string{
	"", "a@b.c", "ada@example.com", "@b.c", "a@.c", "a@b.", "a@bc", "a@b..c", "a@.b.c", "a@b.c.", "a.b@c",
	"a@@b.c", "a@b@c.d", "a b@c.d", "a@b.c ", " a@b.c", "a\t@b.c", "a@b\n.c", "a@b.c\r", "a@b\f.c", "a@b\v.c",
	"ü@ß.é", "a@é.c", "a@b.é", "\xff@\xfe.\xfd", "a@b\xff.c", "a@\xc3.c", "a@b.c\u00a0", "a@b\u2003.c",
	"p12@example.com", "x@y.z.w", "..@..", "a@...", "a@b.c@d", ".@..", "a@..", "a@...b",
}

func TestValidEmailIsEmailRE(t *testing.T) {
	for _, s := range emailCases {
		if got, want := validEmail(s), emailRE.MatchString(s); got != want {
			t.Errorf("validEmail(%q) = %t, emailRE says %t", s, got, want)
		}
	}
}

func FuzzValidEmail(f *testing.F) {
	for _, s := range emailCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validEmail(s), emailRE.MatchString(s); got != want {
			t.Errorf("validEmail(%q) = %t, emailRE says %t", s, got, want)
		}
	})
}
