package multimap

import (
	"slices"
	"testing"
)

// Values come back in the order they were added, the second and later ones
// move up when the first goes, and a key goes with its last value.
func TestMap(t *testing.T) {
	var m Map[string, int]
	if m.Get("a") != nil || m.Has("a") || m.Len() != 0 || !m.Remove("a", 1) {
		t.Fatal("the zero Map is not empty")
	}
	m.Add("a", 1)
	m.Add("a", 1)
	m.Add("a", 2)
	m.Add("a", 3)
	m.Add("b", 9)
	if got := m.Get("a"); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("a: %v", got)
	}
	if m.Remove("a", 1) || !slices.Equal(m.Get("a"), []int{2, 3}) {
		t.Fatalf("a after removing its first: %v", m.Get("a"))
	}
	if m.Remove("a", 3) || !slices.Equal(m.Get("a"), []int{2}) {
		t.Fatalf("a after removing its last: %v", m.Get("a"))
	}
	if m.Remove("a", 7) || !m.Has("a") {
		t.Fatal("removing a value a key does not have removed the key")
	}
	if !m.Remove("a", 2) || m.Has("a") || m.Len() != 1 {
		t.Fatalf("a after removing its only value: %v, %d keys", m.Get("a"), m.Len())
	}
	var keys []string
	m.Keys(func(k string) bool { keys = append(keys, k); return true })
	if !slices.Equal(keys, []string{"b"}) {
		t.Fatalf("keys %v", keys)
	}
	if len(m.more) != 0 {
		t.Fatalf("left aside: %v", m.more)
	}
}
