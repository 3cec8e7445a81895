package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/jessy-llm/jessy"
)

// Versioner is implemented by providers that can tell the server's version
// (the Ollama provider does).
type Versioner interface {
	Version(ctx context.Context) (string, error)
}

// Describe fills in a Backend for provider p named name serving model: the
// version when p is, or wraps (see jessy.Find), a Versioner and answers, and, for Ollama, the
// parallelism setting when OllamaParallel can tell it. It never fails;
// what it cannot learn stays empty.
func Describe(ctx context.Context, p any, name, model string) Backend {
	b := Backend{Name: name, Model: model, CPUs: runtime.NumCPU()}
	v, ok := p.(Versioner)
	if jp, isProvider := p.(jessy.Provider); isProvider {
		v, ok = jessy.Find[Versioner](jp)
	}
	if ok {
		if s, err := v.Version(ctx); err == nil {
			b.Version = s
		}
	}
	if strings.Contains(strings.ToLower(name), "ollama") {
		b.NumParallel, b.NumParallelSource = OllamaParallel()
	}
	return b
}

// OllamaParallel tells Ollama's OLLAMA_NUM_PARALLEL, and from where: this
// process's environment (scripts/ollama.sh passes its own to the server it
// starts), else the environment of a local process named "ollama" that
// this user may read (Linux only). It returns "", "" when it cannot tell;
// Ollama then chooses by itself (1 or 4 in recent versions, by memory).
func OllamaParallel() (value, source string) {
	if v := os.Getenv("OLLAMA_NUM_PARALLEL"); v != "" {
		return v, "environment"
	}
	if runtime.GOOS != "linux" {
		return "", ""
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "ollama" {
			continue
		}
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte("OLLAMA_NUM_PARALLEL=")); ok {
				return string(v), "server process " + filepath.Base(d)
			}
		}
		return "", ""
	}
	return "", ""
}
