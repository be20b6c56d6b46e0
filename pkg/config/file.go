package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Limits on a YAML document. Aliases can make a tiny document expand
// exponentially ("billion laughs"), and real configuration files are small,
// so a generous cap costs nothing.
const (
	maxYAMLNodes = 10000
	maxYAMLDepth = 32
)

var (
	errTooLarge = fmt.Errorf("document too large (more than %d nodes after expanding aliases)", maxYAMLNodes)
	errTooDeep  = fmt.Errorf("document nested deeper than %d levels", maxYAMLDepth)
	errNotMap   = errors.New("top level must be a mapping of keys to values")
)

// loadYAML flattens the document into c.file, keyed by dotted path. On any
// error nothing from the file is used: half a configuration is worse than
// none plus an error.
func (c *Config) loadYAML(name string, data []byte) {
	c.fileName = name
	out, err := parseYAML(data)
	if err != nil {
		c.loadErr = fmt.Errorf("config: %s: %w", name, err)
		return
	}
	c.file = out
}

func parseYAML(data []byte) (out map[string]value, err error) {
	// The file is outside input; a parser bug must not take the service down.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out = map[string]value{}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return out, nil
		}
		root = root.Content[0]
	}
	root = deref(root)
	switch {
	case root == nil || root.Kind == 0 || isNull(root):
		return out, nil // an empty file is fine
	case root.Kind != yaml.MappingNode:
		return nil, errNotMap
	}
	f := flattener{out: out}
	if err := f.mapping("", root, 0); err != nil {
		return nil, err
	}
	return out, nil
}

type flattener struct {
	out   map[string]value
	nodes int
}

func (f *flattener) visit(depth int) error {
	f.nodes++
	if f.nodes > maxYAMLNodes {
		return errTooLarge
	}
	if depth > maxYAMLDepth {
		return errTooDeep
	}
	return nil
}

// node stores n under key: scalars as text, sequences of scalars as lists,
// mappings as dotted keys below key (and a mark at key), and lists of mappings as JSON text
// (see structured).
func (f *flattener) node(key string, n *yaml.Node, depth int) error {
	if err := f.visit(depth); err != nil {
		return err
	}
	n = deref(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		return f.mapping(key, n, depth)
	case yaml.ScalarNode:
		if !isNull(n) {
			f.out[key] = value{text: n.Value}
		}
	case yaml.SequenceNode:
		if slices.ContainsFunc(n.Content, func(item *yaml.Node) bool { item = deref(item); return item != nil && item.Kind == yaml.MappingNode }) {
			return f.structured(key, n, depth)
		}
		items := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			if err := f.visit(depth + 1); err != nil {
				return err
			}
			item = deref(item)
			if item == nil || item.Kind != yaml.ScalarNode {
				return nil
			}
			if !isNull(item) {
				items = append(items, item.Value)
			}
		}
		f.out[key] = listValue(items)
	}
	return nil
}

// structured stores a list of mappings (such as dispatch.routes) as its
// JSON text, for the setting's own parser; such a value is redacted whole.
func (f *flattener) structured(key string, n *yaml.Node, depth int) error {
	if err := f.count(n, depth); err != nil {
		return err
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	f.out[key] = value{text: string(b), structured: true}
	return nil
}

// count visits every node below n, so the limits hold for structured values.
func (f *flattener) count(n *yaml.Node, depth int) error {
	if err := f.visit(depth); err != nil {
		return err
	}
	if n = deref(n); n == nil {
		return nil
	}
	for _, c := range n.Content {
		if err := f.count(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// mapping flattens a mapping node. Merge keys (<<: *base) are applied first
// so that the mapping's own keys override them, as YAML specifies; unlike
// YAML, nested mappings are merged deeply rather than replaced.
func (f *flattener) mapping(prefix string, n *yaml.Node, depth int) error {
	if _, set := f.out[prefix]; prefix != "" && !set {
		f.out[prefix] = value{mapping: true} // for a scalar getter to refuse
	}
	pairs := n.Content
	for i := 0; i+1 < len(pairs); i += 2 {
		if k := deref(pairs[i]); k != nil && k.ShortTag() == "!!merge" {
			if err := f.merge(prefix, pairs[i+1], depth+1); err != nil {
				return err
			}
		}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		k := deref(pairs[i])
		if k == nil || k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
			continue
		}
		name := normKey(k.Value)
		if name == "" {
			continue
		}
		if err := f.node(joinKey(prefix, name), pairs[i+1], depth+1); err != nil {
			return err
		}
	}
	return nil
}

// merge applies the value of a merge key: a mapping or a list of mappings,
// where earlier ones win.
func (f *flattener) merge(prefix string, v *yaml.Node, depth int) error {
	if err := f.visit(depth); err != nil {
		return err
	}
	v = deref(v)
	if v == nil {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return f.mapping(prefix, v, depth)
	case yaml.SequenceNode:
		for i := len(v.Content) - 1; i >= 0; i-- {
			if err := f.merge(prefix, v.Content[i], depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// deref follows aliases to the node they name. The parser rejects alias
// cycles, but the hop count is bounded anyway.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxYAMLDepth; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
