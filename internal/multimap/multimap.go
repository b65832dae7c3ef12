// Package multimap holds a map from a key to values where almost every key
// has one value: the first value of a key is held in the map itself, without
// a slice (a slice header and its array cost 56 bytes a key), and the rare
// further values aside. The operator's indexes of 1,000 stacks hold tens of
// thousands of keys (the AWS names the stacks take, their alarms), each with
// one stack but where two stacks claim the same name.
package multimap

import "slices"

// Map maps a key to its values, in the order they were added. The zero Map
// is empty and ready to use. It is not safe for concurrent use.
type Map[K, V comparable] struct {
	first map[K]V
	more  map[K][]V
}

// Add adds a value to a key's, unless the key has it already.
func (m *Map[K, V]) Add(k K, v V) {
	if m.first == nil {
		m.first, m.more = map[K]V{}, map[K][]V{}
	}
	switch first, ok := m.first[k]; {
	case !ok:
		m.first[k] = v
	case first != v && !slices.Contains(m.more[k], v):
		m.more[k] = append(m.more[k], v)
	}
}

// Remove removes a value from a key's, and the key with its last value. It
// reports whether the key has no value left.
func (m *Map[K, V]) Remove(k K, v V) bool {
	first, ok := m.first[k]
	if !ok {
		return true
	}
	others := slices.DeleteFunc(m.more[k], func(o V) bool { return o == v })
	switch {
	case first != v:
	case len(others) > 0:
		m.first[k], others = others[0], others[1:]
	default:
		delete(m.first, k)
	}
	if len(others) == 0 {
		delete(m.more, k)
	} else {
		m.more[k] = others
	}
	_, left := m.first[k]
	return !left
}

// Get returns a key's values, nil when it has none.
func (m *Map[K, V]) Get(k K) []V {
	first, ok := m.first[k]
	if !ok {
		return nil
	}
	return append([]V{first}, m.more[k]...)
}

// Has reports whether a key has a value.
func (m *Map[K, V]) Has(k K) bool {
	_, ok := m.first[k]
	return ok
}

// Len is the number of keys.
func (m *Map[K, V]) Len() int { return len(m.first) }

// Keys calls yield for each key, in no order, until it returns false.
func (m *Map[K, V]) Keys(yield func(K) bool) {
	for k := range m.first {
		if !yield(k) {
			return
		}
	}
}
