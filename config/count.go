package config

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Count is a number or the word auto: the value of the thoughts and
// concurrency keys and flags.
type Count struct {
	N    int
	Auto bool
}

// ParseCount reads a number or "auto".
func ParseCount(s string) (Count, error) {
	if s == "auto" {
		return Count{Auto: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return Count{}, fmt.Errorf("%q is neither a number nor auto", s)
	}
	return Count{N: n}, nil
}

// UnmarshalYAML reads a number or auto.
func (c *Count) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseCount(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		// In the decoder's own words, so that Load reports it with the key
		// and line like any type error, and goes on to the next.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: cannot unmarshal %s `%s` into config.Count", n.Line, n.ShortTag(), n.Value)}}
	}
	*c = v
	return nil
}

// MarshalYAML writes auto or the number.
func (c Count) MarshalYAML() (any, error) {
	if c.Auto {
		return "auto", nil
	}
	return c.N, nil
}

func (c Count) String() string {
	if c.Auto {
		return "auto"
	}
	return strconv.Itoa(c.N)
}
