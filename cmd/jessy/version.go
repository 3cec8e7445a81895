package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version names this build: the module version when it was installed at
// one (go install ...@v1.2.3), else "devel" with the VCS revision and
// whether the tree was modified, as the Go toolchain stamped them.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	return "devel-" + rev + modified
}

func newVersionCmd(io stdio) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print jessy's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(io.out, "jessy %s\n", version())
			return err
		},
	}
}

// mistypedCommand returns the subcommand a one-word question seems to be a
// typo of (within edit distance 2 of a name of five letters or more, 1 of a
// shorter one, so that "hello" is not taken for "help"), so that `jessy
// doctr` is not sent as a paid question. A question after `--` is never
// taken for a command.
func mistypedCommand(root *cobra.Command, args []string, dash int) (string, bool) {
	if len(args) != 1 || dash == 0 {
		return "", false
	}
	word := args[0]
	if len(word) < 3 {
		return "", false
	}
	for _, c := range root.Commands() {
		if c.Hidden || !c.IsAvailableCommand() {
			continue
		}
		for _, name := range append([]string{c.Name()}, c.Aliases...) {
			limit := 2
			if len(name) < 5 {
				limit = 1
			}
			if editDistance(word, name) <= limit {
				return name, true
			}
		}
	}
	return "", false
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
