package tailbuffer

import "testing"

func TestBufferKeepsTheEnd(t *testing.T) {
	b := &Buffer{Max: 5}
	for _, s := range []string{"ab", "cdef", "gh "} {
		if n, err := b.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "efgh" {
		t.Errorf("String() = %q, want the last 5 bytes trimmed: %q", got, "efgh")
	}
}
