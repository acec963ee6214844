package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/yamlstrict"
)

// Hash returns the hex SHA-256 of the file the config was read from (Raw),
// or, for a config built in code, of its JSON form.
func (c *Config) Hash() string {
	data := c.Raw
	if data == nil {
		data, _ = json.Marshal(c)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ConfigDiff is what changed between two configs, fit to be the data of an
// audit event. Lists are sorted; empty ones are left out of the JSON.
type ConfigDiff struct {
	OldHash       string       `json:"old_hash,omitempty"` // "" when there was no old config
	NewHash       string       `json:"new_hash"`
	FlowsAdded    []string     `json:"flows_added,omitempty"`
	FlowsRemoved  []string     `json:"flows_removed,omitempty"`
	FlowsChanged  []FlowChange `json:"flows_changed,omitempty"`
	AdminsAdded   []string     `json:"admins_added,omitempty"`
	AdminsRemoved []string     `json:"admins_removed,omitempty"`
	GroupsAdded   []string     `json:"groups_added,omitempty"`
	GroupsRemoved []string     `json:"groups_removed,omitempty"`
	GroupsChanged []string     `json:"groups_changed,omitempty"`
	// Changed lists the other settings that changed, by YAML path:
	// "store", "aws.region", "sync_interval", ...
	Changed []string `json:"changed,omitempty"`
}

// FlowChange names a flow that changed and its changed YAML keys.
type FlowChange struct {
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
}

// Empty reports whether nothing but possibly the file's bytes (comments,
// layout) changed.
func (d ConfigDiff) Empty() bool {
	return len(d.FlowsAdded)+len(d.FlowsRemoved)+len(d.FlowsChanged)+len(d.AdminsAdded)+
		len(d.AdminsRemoved)+len(d.GroupsAdded)+len(d.GroupsRemoved)+len(d.GroupsChanged)+len(d.Changed) == 0
}

// Diff compares two configs. old may be nil (the first load). Flows are
// matched by name, admins by email ignoring case, groups by name.
func Diff(old, new *Config) ConfigDiff {
	d := ConfigDiff{NewHash: new.Hash()}
	if old == nil {
		old = &Config{}
	} else {
		d.OldHash = old.Hash()
	}
	oldFlows, newFlows := flowsByName(old.Flows), flowsByName(new.Flows)
	for _, name := range sortedKeys(newFlows) {
		of, ok := oldFlows[name]
		if !ok {
			d.FlowsAdded = append(d.FlowsAdded, name)
			continue
		}
		if fields := changedFields(reflect.ValueOf(of).Elem(), reflect.ValueOf(newFlows[name]).Elem(), ""); len(fields) > 0 {
			d.FlowsChanged = append(d.FlowsChanged, FlowChange{Name: name, Fields: fields})
		}
	}
	for _, name := range sortedKeys(oldFlows) {
		if _, ok := newFlows[name]; !ok {
			d.FlowsRemoved = append(d.FlowsRemoved, name)
		}
	}
	d.AdminsAdded, d.AdminsRemoved = setDiff(old.Admins, new.Admins)
	oldGroups, newGroups := sortedKeys(old.Groups), sortedKeys(new.Groups)
	d.GroupsAdded, d.GroupsRemoved = setDiff(oldGroups, newGroups)
	for _, g := range newGroups {
		if om, ok := old.Groups[g]; ok && !slices.Equal(om, new.Groups[g]) {
			d.GroupsChanged = append(d.GroupsChanged, g)
		}
	}
	skip := map[string]bool{"flows": true, "admins": true, "groups": true}
	for _, f := range changedFields(reflect.ValueOf(old).Elem(), reflect.ValueOf(new).Elem(), "") {
		if !skip[f] {
			d.Changed = append(d.Changed, f)
		}
	}
	return d
}

func flowsByName(flows []stint.Flow) map[string]*stint.Flow {
	m := make(map[string]*stint.Flow, len(flows))
	for i := range flows {
		m[flows[i].Name] = &flows[i]
	}
	return m
}

// changedFields lists the YAML keys of two structs' exported, YAML-visible
// fields that differ, descending into nested structs (not pointers) as
// "parent.key".
func changedFields(a, b reflect.Value, prefix string) []string {
	var out []string
	fields, _ := yamlstrict.StructFields(a.Type())
	for name, i := range fields {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Kind() == reflect.Struct && fa.Type() != durationType {
			out = append(out, changedFields(fa, fb, prefix+name+".")...)
			continue
		}
		if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			out = append(out, prefix+name)
		}
	}
	slices.Sort(out)
	return out
}

// setDiff returns what b adds to a and what it drops, ignoring case.
func setDiff(a, b []string) (added, removed []string) {
	in := func(list []string, s string) bool {
		return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
	}
	for _, s := range b {
		if !in(a, s) {
			added = append(added, s)
		}
	}
	for _, s := range a {
		if !in(b, s) {
			removed = append(removed, s)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}
