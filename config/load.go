package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/jessy-llm/jessy"
)

// DefaultPath returns where the configuration file is looked for when no
// --config is given: os.UserConfigDir()/jessy/config.yaml. It fails only
// when the system has no user configuration directory (no $HOME).
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config directory: %w", err)
	}
	return filepath.Join(dir, "jessy", "config.yaml"), nil
}

// Load reads and parses the configuration file at path, as Parse does.
//
// An empty path means DefaultPath; a missing default file is not an error
// and gives an empty File (Path ""), so that Jessy runs from the environment
// alone. A named path that does not exist is an error of KindInvalid. Other
// errors are those of Parse, or of reading the file.
func Load(path string) (*File, error) {
	named := path != ""
	if !named {
		p, err := DefaultPath()
		if err != nil {
			return &File{}, nil // nowhere to look: run from the environment
		}
		path = p
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !named:
		return &File{}, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &jessy.Error{Kind: jessy.KindInvalid,
			Message: fmt.Sprintf("config file %s does not exist", path),
			Hint:    "check the path given to --config", Err: err}
	case err != nil:
		return nil, &jessy.Error{Kind: jessy.KindInvalid,
			Message: fmt.Sprintf("read config file: %v", err), Err: err}
	}
	return Parse(path, data)
}

// Parse parses data, the text of a configuration file named name (name is
// used only in messages), and checks what can be checked without the
// environment: kinds, names, references to backends, numbers, angles.
//
// Every error is a *jessy.Error of KindInvalid whose message starts with
// "name:line: " where the line is known; for YAML errors it wraps the
// decoder's error. Unknown keys are errors: `config.yaml:12: unknown key
// "thougths" in defaults (did you mean "thoughts"?)`.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Path: name}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, nil, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && err != io.EOF {
		return nil, yamlError(name, &root, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, &jessy.Error{Kind: jessy.KindInvalid,
			Message: name + ": the file holds more than one YAML document; keep one"}
	}
	f.Path, f.root = name, &root
	if err := f.validate(); err != nil {
		return nil, err
	}
	return f, nil
}

var (
	lineRE    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownRE = regexp.MustCompile(`^field (.+) not found in type (\S+)$`)
	typeRE    = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
)

// yamlError turns a decoder error into a *jessy.Error whose message names
// the file and line of each problem in words.
func yamlError(name string, root *yaml.Node, err error) error {
	var lines []string
	if te, ok := err.(*yaml.TypeError); ok {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	msgs := make([]string, 0, len(lines))
	for _, l := range lines {
		msgs = append(msgs, friendly(name, root, l))
	}
	return jessy.Errorf(jessy.KindInvalid, "%s", strings.Join(msgs, "\n")).WithCause(err)
}

func friendly(name string, root *yaml.Node, msg string) string {
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return name + ": " + strings.TrimPrefix(msg, "yaml: ")
	}
	line, _ := strconv.Atoi(m[1])
	rest := m[2]
	prefix := fmt.Sprintf("%s:%d: ", name, line)
	if u := unknownRE.FindStringSubmatch(rest); u != nil {
		s := fmt.Sprintf("unknown key %q", u[1])
		if where := keyParent(root, line, u[1]); where != "" {
			s += " in " + where
		}
		if near := nearest(u[1], knownKeys(u[2])); near != "" {
			s += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return prefix + s
	}
	if t := typeRE.FindStringSubmatch(rest); t != nil {
		got := map[string]string{"!!seq": "a list", "!!map": "a mapping", "!!null": "nothing"}[t[1]]
		if got == "" {
			got = strconv.Quote(t[2])
		}
		s := fmt.Sprintf("%s is not %s", got, want(t[3]))
		if key := keyAt(root, line, t[1], strings.TrimSuffix(t[2], "...")); key != "" {
			s = key + ": " + s
		}
		return prefix + s
	}
	return prefix + rest
}

// want describes a Go type in a configuration file's words.
func want(goType string) string {
	switch {
	case goType == "config.Count":
		return "a whole number or auto"
	case goType == "time.Duration" || goType == "*time.Duration":
		return "a duration such as 90s or 2m"
	case strings.Contains(goType, "int"):
		return "a whole number"
	case strings.Contains(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "config."), strings.HasPrefix(goType, "*config."):
		return "a mapping of keys"
	default:
		return "a single value"
	}
}

// configTypes are the types a file decodes into, by the name the decoder's
// messages give them.
var configTypes = map[string]reflect.Type{}

func init() {
	for _, v := range []any{File{}, BackendSpec{}, BackendOptions{}, TargetSpec{}, Layer{}, Defaults{}, Prompts{}, jessy.Angle{}} {
		t := reflect.TypeOf(v)
		configTypes[t.String()] = t
	}
}

// knownKeys lists the YAML keys of the type the decoder named.
func knownKeys(typeName string) []string {
	t, ok := configTypes[typeName]
	if !ok {
		return nil
	}
	var keys []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			key, opts, _ := strings.Cut(tag, ",")
			switch {
			case tag == "-" || !f.IsExported():
			case strings.Contains(opts, "inline"):
				walk(f.Type)
			case key != "":
				keys = append(keys, key)
			}
		}
	}
	walk(t)
	return keys
}

// nearest returns the key of keys closest to s, if it is close enough to be
// a typo of it.
func nearest(s string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := distance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Damerau-Levenshtein (optimal string alignment) distance.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 64
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
