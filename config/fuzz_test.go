package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
)

// FuzzLoad feeds arbitrary text to Parse, then resolves what it accepts
// under every profile. Nothing may panic; every error is a KindInvalid
// *jessy.Error whose message names the file, and Masked works on every
// Settings.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(councilFile))
	f.Add([]byte("defaults: {thoughts: 3, min_thoughts: 4}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data)
		if err != nil {
			var je *jessy.Error
			if !errors.As(err, &je) || je.Kind != jessy.KindInvalid || !strings.HasPrefix(je.Message, "fuzz.yaml") {
				t.Fatalf("Parse error %q (%T) is not a KindInvalid *jessy.Error naming the file", err, err)
			}
			return
		}
		for _, profile := range append([]string{""}, file.profileNames()...) {
			s, err := Resolve(file, profile, noEnv, Overrides{})
			if err != nil {
				if jessy.KindOf(err) != jessy.KindInvalid {
					t.Fatalf("Resolve error %q is not KindInvalid", err)
				}
				continue
			}
			if len(s.Thinkers) == 0 {
				t.Fatalf("no thinkers")
			}
			if _, err := s.Masked(); err != nil {
				t.Fatalf("Masked: %v", err)
			}
		}
	})
}
