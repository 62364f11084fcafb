package hashindex

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAgainstMap drives a Table against a map, with hashes drawn from a
// small set so that many keys share hash bits and probe runs wrap around
// the table: every lookup must still find the right position or none,
// after any mix of inserts and deletes.
func TestAgainstMap(t *testing.T) {
	for _, buckets := range []int{1, 16, 1 << 30} {
		t.Run(strconv.Itoa(buckets), func(t *testing.T) {
			var tab Table
			rng := rand.New(rand.NewPCG(1, uint64(buckets)))
			keys := []string{} // position -> key
			hashOf := func(key string) uint64 {
				n, _ := strconv.Atoi(key)
				return uint64(n*2654435761%buckets)<<32 | 0xdead // the lower bits are ignored
			}
			want := map[string]uint32{}
			find := func(key string) (uint32, bool) {
				return tab.Find(hashOf(key), func(pos uint32) bool { return keys[pos] == key })
			}
			for step := range 20000 {
				key := strconv.Itoa(rng.IntN(400))
				pos, ok := find(key)
				if w, wok := want[key]; ok != wok || pos != w {
					t.Fatalf("step %d: Find(%q) = %d, %v; want %d, %v", step, key, pos, ok, w, wok)
				}
				switch {
				case !ok:
					keys = append(keys, key)
					tab.Insert(hashOf(key), uint32(len(keys)-1))
					want[key] = uint32(len(keys) - 1)
				case rng.IntN(2) == 0:
					tab.Delete(hashOf(key), pos)
					delete(want, key)
				}
				if tab.Len() != len(want) {
					t.Fatalf("step %d: Len() = %d, want %d", step, tab.Len(), len(want))
				}
			}
			for n := range 400 {
				key := strconv.Itoa(n)
				pos, ok := find(key)
				if w, wok := want[key]; ok != wok || pos != w {
					t.Fatalf("Find(%q) = %d, %v; want %d, %v", key, pos, ok, w, wok)
				}
			}
		})
	}
}

// Deleting what the table does not hold changes nothing.
func TestDeleteAbsent(t *testing.T) {
	var tab Table
	tab.Delete(42, 0) // empty
	tab.Insert(7<<32, 3)
	tab.Delete(7<<32, 4) // same hash bits, other position
	tab.Delete(8<<32, 3) // other hash bits, same position
	if pos, ok := tab.Find(7<<32, func(p uint32) bool { return p == 3 }); !ok || pos != 3 || tab.Len() != 1 {
		t.Fatalf("Find = %d, %v; Len = %d", pos, ok, tab.Len())
	}
}
