package jessy

import "testing"

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://127.0.0.1:11434", "http://127.0.0.1:11434"},
		{"http://user:pass@host:11434/v1", "http://***@host:11434/v1"},
		{"https://token@api.example.com", "https://***@api.example.com"},
		{`ollama at http://u:p%40ss@h:1: connection refused`, `ollama at http://***@h:1: connection refused`},
		{`Post "http://a:b@h/api/chat": EOF; also https://c:d@e/`, `Post "http://***@h/api/chat": EOF; also https://***@e/`},
		{"mail me at someone@example.com", "mail me at someone@example.com"},
		{"", ""},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"http://u:p@h/", "x https://a@b y", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := RedactURL(s)
		if RedactURL(once) != once {
			t.Errorf("not idempotent: %q -> %q -> %q", s, once, RedactURL(once))
		}
	})
}
