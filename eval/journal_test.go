package eval

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadJournal(t *testing.T) {
	a := `{"arm":"single","item_id":"x-1","extracted":"3","correct":true,"usage":{"prompt":1,"completion":2},"calls":1,"wall_ms":5}`
	b := `{"arm":"vote","item_id":"x-1","extracted":"4","correct":false,"usage":{"prompt":0,"completion":0},"calls":3,"wall_ms":9}`
	a2 := strings.Replace(a, `"3","correct":true`, `"5","correct":false`, 1)
	tests := []struct {
		name, in string
		n        int
		err      string
	}{
		{"two", a + "\n" + b + "\n", 2, ""},
		{"blank lines", "\n" + a + "\n\n" + b, 2, ""},
		{"torn last line", a + "\n" + b[:20], 1, ""},
		{"later wins", a + "\n" + a2 + "\n", 1, ""},
		{"bad middle line", a + "\n{oops\n" + b + "\n", 0, "line 2:"},
		{"no arm", `{"item_id":"x"}` + "\n", 0, "line 1: result without arm"},
		{"empty", "", 0, ""},
	}
	for _, tt := range tests {
		got, err := ReadJournal(strings.NewReader(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != tt.n {
			t.Errorf("%s: %d results, %v; want %d", tt.name, len(got), err, tt.n)
		}
		if tt.name == "later wins" && got[0].Extracted != "5" {
			t.Errorf("later line did not win: %+v", got[0])
		}
	}
}

func TestJournalAppendAfterTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.results.jsonl")
	if err := os.WriteFile(path, []byte(`{"arm":"single","item_id":"a","correct":true}`+"\n"+`{"arm":"sin`), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.append(Result{Arm: "vote", ItemID: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	got, err := LoadJournal(path)
	if err != nil || len(got) != 2 || got[1].Arm != "vote" {
		t.Errorf("after a torn line: %+v, %v; want the old result and the new one", got, err)
	}
}

func TestJournalPath(t *testing.T) {
	for in, want := range map[string]string{
		"report.md":     "report.results.jsonl",
		"out/r.json":    "out/r.results.jsonl",
		"noext":         "noext.results.jsonl",
		"a.b/report.md": "a.b/report.results.jsonl",
	} {
		if got := JournalPath(in); got != want {
			t.Errorf("JournalPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzReadJournal(f *testing.F) {
	f.Add(`{"arm":"single","item_id":"x-1","extracted":"3","correct":true}` + "\n")
	f.Add("{}\n{")
	f.Add("\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ReadJournal(strings.NewReader(s))
		if err != nil {
			return
		}
		// Round trip: what decodes re-encodes to the same results.
		var b strings.Builder
		for _, r := range got {
			if r.Arm == "" || r.ItemID == "" {
				t.Fatalf("result without key: %+v", r)
			}
			line, _ := json.Marshal(r)
			b.Write(line)
			b.WriteByte('\n')
		}
		again, err := ReadJournal(strings.NewReader(b.String()))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, again, got)
		}
	})
}
