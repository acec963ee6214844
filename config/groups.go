package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

// checkGroups checks the groups section: names, member references and
// cycles between the section's groups.
func (ch *checker) groups() {
	names := sortedKeys(ch.c.Groups)
	for _, name := range names {
		gp := "$.groups." + name
		if strings.HasPrefix(name, "group:") || strings.HasPrefix(name, "user:") {
			ch.at(gp, "groups: name the group %q, without a prefix", strings.TrimPrefix(name, "group:"))
		}
		for j, m := range ch.c.Groups[name] {
			if err := stint.ValidatePrincipalRef(m); err != nil {
				ch.at(fmt.Sprintf("%s[%d]", gp, j), "groups.%s: %s", name, stint.ErrorMessage(err))
			}
		}
	}
	reported := map[string]bool{}
	for _, name := range names {
		if cycle := ch.c.groupCycle(name); cycle != nil && !reported[cycle[0]] {
			for _, g := range cycle {
				reported[g] = true
			}
			ch.at("$.groups."+cycle[0], "groups: cycle %s; a group cannot contain itself, remove one of these members", strings.Join(append(cycle, cycle[0]), " -> "))
		}
	}
}

// groupCycle returns the groups of a cycle reachable from start, beginning
// with the cycle's alphabetically first group, or nil.
func (c *Config) groupCycle(start string) []string {
	var stack []string
	onStack := map[string]bool{}
	done := map[string]bool{}
	var visit func(g string) []string
	visit = func(g string) []string {
		if onStack[g] {
			i := slices.Index(stack, g)
			cyc := slices.Clone(stack[i:])
			m := slices.Index(cyc, slices.Min(cyc))
			return append(cyc[m:], cyc[:m]...)
		}
		if done[g] {
			return nil
		}
		stack = append(stack, g)
		onStack[g] = true
		for _, m := range c.Groups[g] {
			if kind, sub, _ := strings.Cut(m, ":"); kind == "group" {
				if _, ok := c.Groups[sub]; ok {
					if cyc := visit(sub); cyc != nil {
						return cyc
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		onStack[g] = false
		done[g] = true
		return nil
	}
	return visit(start)
}

// GroupsOf returns the groups of u: its identity store groups, plus every
// group of the config's groups section that contains u directly ("user:")
// or through one of its groups, however deeply nested. Names are
// returned once each, identity store groups first.
func (c *Config) GroupsOf(u *stint.User) []string {
	out := slices.Clone(u.Groups)
	has := func(g string) bool {
		return slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, g) })
	}
	for changed := true; changed; {
		changed = false
		for _, name := range sortedKeys(c.Groups) {
			if has(name) {
				continue
			}
			for _, m := range c.Groups[name] {
				kind, v, _ := strings.Cut(m, ":")
				if (kind == "user" && strings.EqualFold(v, u.Email)) || (kind == "group" && has(v)) {
					out = append(out, name)
					changed = true
					break
				}
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
