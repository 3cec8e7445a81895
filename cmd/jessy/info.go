package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/jessy-llm/jessy/backend"
	"github.com/jessy-llm/jessy/config"
)

// newInfoCmds returns `jessy config`, `jessy doctor` and `jessy models`,
// which read the same settings as a run but ask no question.
func newInfoCmds(io stdio) []*cobra.Command {
	var f settingsFlags
	settings := func(cmd *cobra.Command) (*config.Settings, error) {
		return f.settings(cmd.Flags(), io.getenv, func(w string) { fmt.Fprintf(io.err, "jessy: warning: %s\n", w) })
	}
	cfg := &cobra.Command{
		Use:   "config",
		Short: "Show the effective configuration (file, environment and flags), with keys masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := settings(cmd)
			if err != nil {
				return err
			}
			out, err := s.Masked()
			if err != nil {
				return err
			}
			_, err = io.out.Write(out)
			return err
		},
	}
	doctor := &cobra.Command{
		Use:   "doctor",
		Short: "Check every configured backend: reachable, models present, what it says about itself",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := settings(cmd)
			if err != nil {
				return err
			}
			checks := backend.Doctor(cmd.Context(), s)
			tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
			bad := 0
			for _, c := range checks {
				use := "unused"
				if c.Used {
					use = "used"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Backend, c.Kind, c.BaseURL, use, c.Verdict)
				if c.Used && !c.OK {
					bad++
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if bad > 0 {
				return runFailed{fmt.Errorf("%d backend(s) the run uses are not ready", bad)}
			}
			return nil
		},
	}
	models := &cobra.Command{
		Use:   "models",
		Short: "List the models of every configured backend",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := settings(cmd)
			if err != nil {
				return err
			}
			return listModels(cmd.Context(), io, s)
		},
	}
	for _, c := range []*cobra.Command{cfg, doctor, models} {
		f.register(c.Flags())
	}
	return []*cobra.Command{cfg, doctor, models}
}

func listModels(ctx context.Context, io stdio, s *config.Settings) error {
	m, err := backend.Models(ctx, s)
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(io.out, "%s:\n", name)
		for _, mi := range m[name] {
			loaded := ""
			if mi.Loaded {
				loaded = " (loaded)"
			}
			fmt.Fprintf(io.out, "  %s%s\n", mi.Name, loaded)
		}
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(io.err, "jessy: %s\n", line)
		}
		return runFailed{err}
	}
	return nil
}
