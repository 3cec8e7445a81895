package ollama

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: a stream
// reader that outlives its call, or a connection nobody closes.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
