package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Secret is an API key. Every way of printing it (fmt with any verb, YAML,
// JSON, slog) shows it masked, so a Settings can be logged or printed
// whole; only Reveal gives the key. The zero Secret is "no key".
type Secret struct {
	value string
	// env names the variable the key is (or would be) read from; "" when the
	// key was written in the file or the kind takes no key.
	env    string
	inFile bool
}

// Reveal returns the key itself. Call it only to hand the key to a client.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether there is a key.
func (s Secret) IsSet() bool { return s.value != "" }

// Env names the environment variable the key is read from, "" when the key
// is written in the config file or the backend takes none.
func (s Secret) Env() string { return s.env }

// String describes the key without showing it: "****abcd (from
// OPENAI_API_KEY)", "****abcd (written in the config file)", "not set
// (OPENAI_API_KEY)" or "none". Only the last four characters of a key of
// at least 16 characters are shown.
func (s Secret) String() string {
	switch {
	case s.value != "" && s.inFile:
		return mask(s.value) + " (written in the config file)"
	case s.value != "":
		return mask(s.value) + " (from " + s.env + ")"
	case s.env != "":
		return "not set (" + s.env + ")"
	default:
		return "none"
	}
}

func mask(v string) string {
	if len(v) < 16 {
		return "****"
	}
	return "****" + v[len(v)-4:]
}

// Format implements fmt.Formatter so that every verb prints String.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return s.String() }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
