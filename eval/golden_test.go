package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// scriptedReport is the report of the scripted end-to-end run.
func scriptedReport(t *testing.T) Report {
	t.Helper()
	ds, _ := Builtin("arithmetic", 1, 20)
	res, err := (&Runner{Arms: scriptedArms(), Concurrency: 2}).Run(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	return NewReport(res, "tiny-model", "ollama")
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./eval -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

func TestGoldenTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, scriptedReport(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.txt", b.Bytes())
}

func TestGoldenMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, scriptedReport(t), "report.svg"); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.md", b.Bytes())
}

func TestGoldenSVG(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, scriptedReport(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.svg", b.Bytes())
	// Well-formed enough for a browser: balanced groups, one root.
	s := b.String()
	if strings.Count(s, "<g ") != strings.Count(s, "</g>") || strings.Count(s, "<svg") != 1 || !strings.HasSuffix(s, "</svg>\n") {
		t.Error("unbalanced SVG")
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "report.md")
	if err := WriteFiles(md, scriptedReport(t)); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "](report.svg)") {
		t.Error("markdown does not link the SVG beside it")
	}
	if _, err := os.Stat(filepath.Join(dir, "report.svg")); err != nil {
		t.Error(err)
	}
}

// TestReportJSONShape checks the keys the issue fixes for --json.
func TestReportJSONShape(t *testing.T) {
	b, err := json.Marshal(scriptedReport(t))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Dataset, Model, Backend *string
		Items                   []map[string]json.RawMessage
		Arms                    []map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Dataset == nil || m.Model == nil || m.Backend == nil || len(m.Items) != 20 || len(m.Arms) != 3 {
		t.Fatalf("top level: %s", b[:200])
	}
	for _, k := range []string{"question", "answer", "per_arm"} {
		if _, ok := m.Items[0][k]; !ok {
			t.Errorf("item lacks %q", k)
		}
	}
	for _, k := range []string{"name", "n", "correct", "accuracy", "ci95", "tokens", "calls", "wall_ms"} {
		if _, ok := m.Arms[0][k]; !ok {
			t.Errorf("arm lacks %q", k)
		}
	}
	var ci []float64
	if err := json.Unmarshal(m.Arms[0]["ci95"], &ci); err != nil || len(ci) != 2 {
		t.Errorf("ci95 = %s, want [lo, hi]", m.Arms[0]["ci95"])
	}
}
