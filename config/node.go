package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/jessy-llm/jessy"
)

// A path locates a value in the file: mapping keys (string) and list
// indexes (int), e.g. {"profiles", "deep", "thinkers", 1, "backend"}.
type path []any

// String renders p as messages show it: profiles.deep.thinkers[1].backend.
func (p path) String() string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", e)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, e)
		}
	}
	return b.String()
}

// with returns p extended by elems, never sharing p's array.
func (p path) with(elems ...any) path {
	return append(append(path(nil), p...), elems...)
}

// walk calls visit for every key/value pair of every mapping under n, with
// the path of the pair's value. It does not follow aliases. visit returns
// false to stop the walk; walk reports whether it was stopped.
func walk(n *yaml.Node, at path, visit func(at path, key, val *yaml.Node) bool) bool {
	if n == nil {
		return false
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if walk(c, at, visit) {
				return true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := at.with(k.Value)
			if !visit(p, k, v) || walk(v, p, visit) {
				return true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if walk(c, at.with(i), visit) {
				return true
			}
		}
	}
	return false
}

// keyParent returns the path of the mapping holding key on line, or "".
func keyParent(root *yaml.Node, line int, key string) string {
	var found string
	walk(root, nil, func(at path, k, _ *yaml.Node) bool {
		if k.Line == line && k.Value == key {
			found = at[:len(at)-1].String()
			return false
		}
		return true
	})
	return found
}

// keyAt returns the path of the first key whose value starts on line and
// is of the YAML tag the decoder complained about (!!seq, !!map, or a
// scalar starting with prefix), or "".
func keyAt(root *yaml.Node, line int, tag, prefix string) string {
	var found string
	walk(root, nil, func(at path, _, v *yaml.Node) bool {
		if v.Line != line {
			return true
		}
		var match bool
		switch tag {
		case "!!seq":
			match = v.Kind == yaml.SequenceNode
		case "!!map":
			match = v.Kind == yaml.MappingNode
		default:
			match = v.Kind == yaml.ScalarNode && strings.HasPrefix(v.Value, prefix)
		}
		if match {
			found = at.String()
		}
		return !match
	})
	return found
}

// lineOf returns the line of the value at p, or of its nearest ancestor
// present in the file; 0 when root is nil.
func lineOf(root *yaml.Node, p path) int {
	if root == nil {
		return 0
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, e := range p {
		var next *yaml.Node
		switch e := e.(type) {
		case int:
			if n.Kind == yaml.SequenceNode && e < len(n.Content) {
				next = n.Content[e]
			}
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == e {
						next = n.Content[i+1]
						break
					}
				}
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
}

// errAt returns a KindInvalid error about the value at p: with the file's
// name and the line when known ("config.yaml:12: thinkers[1].backend: ...").
// f may be nil.
func (f *File) errAt(p path, format string, args ...any) *jessy.Error {
	msg := fmt.Sprintf(format, args...)
	if len(p) > 0 {
		msg = p.String() + ": " + msg
	}
	if f != nil && f.Path != "" {
		if line := lineOf(f.root, p); line > 0 {
			msg = f.Path + ":" + strconv.Itoa(line) + ": " + msg
		} else {
			msg = f.Path + ": " + msg
		}
	}
	return jessy.Errorf(jessy.KindInvalid, "%s", msg)
}
