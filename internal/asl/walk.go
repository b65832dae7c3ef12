package asl

import "sort"

// WalkStates calls fn for every state of a state machine (a definition or a
// Parallel branch or Map iterator of one), in name order so that what is
// built from it is stable, and for the states inside Parallel branches and
// Map iterators (Iterator, ItemProcessor) too.
func WalkStates(machine map[string]any, fn func(name string, state map[string]any)) {
	states, _ := machine["States"].(map[string]any)
	names := make([]string, 0, len(states))
	for name := range states {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		state, ok := states[name].(map[string]any)
		if !ok {
			continue
		}
		fn(name, state)
		if branches, ok := state["Branches"].([]any); ok {
			for _, b := range branches {
				if m, ok := b.(map[string]any); ok {
					WalkStates(m, fn)
				}
			}
		}
		for _, key := range []string{"Iterator", "ItemProcessor"} {
			if m, ok := state[key].(map[string]any); ok {
				WalkStates(m, fn)
			}
		}
	}
}
