package clienttest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestNodeClient runs node/client.test.mjs, which uses the official openai
// npm package, against a test server. It installs nothing: the packages
// come from scripts/setup-node.sh (which the README's test command runs), so
// that `go test ./...` stays offline. Without node or the packages it
// skips, unless JESSY_REQUIRE_NODE=1 (CI), where it fails.
func TestNodeClient(t *testing.T) {
	require := os.Getenv("JESSY_REQUIRE_NODE") == "1"
	tool := func(name string) string {
		p, err := exec.LookPath(name)
		if err != nil {
			if require {
				t.Fatalf("%s not found and JESSY_REQUIRE_NODE=1: install Node.js 20 or later", name)
			}
			t.Skipf("%s not found; set JESSY_REQUIRE_NODE=1 to make this a failure", name)
		}
		return p
	}
	node := tool("node")
	dir, err := filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openai")); err != nil {
		msg := "the Node packages are not installed; run scripts/setup-node.sh"
		if require {
			t.Fatal(msg + " (JESSY_REQUIRE_NODE=1)")
		}
		t.Skip(msg)
	}

	base, f := Start(t)
	want := WantUsage()
	cmd := exec.CommandContext(ctx, node, "--test", "client.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"JESSY_BASE_URL="+base,
		"JESSY_API_KEY="+Key,
		"JESSY_ANSWER="+Answer,
		"JESSY_THOUGHTS="+strconv.Itoa(Thoughts),
		"JESSY_PROMPT_TOKENS="+strconv.Itoa(want.PromptTokens),
		"JESSY_COMPLETION_TOKENS="+strconv.Itoa(want.CompletionTokens),
		"OPENAI_BASE_URL=", "OPENAI_API_KEY=",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("node --test:\n%s", out)
	if n := len(f.Requests()); n != 3*(Thoughts+1) {
		t.Errorf("the backend got %d calls, want %s", n, fmt.Sprint(3*(Thoughts+1)))
	}
}
