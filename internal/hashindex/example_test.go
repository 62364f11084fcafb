package hashindex_test

import (
	"fmt"
	"hash/maphash"

	"github.com/thanhtoan/thanhtoan/internal/hashindex"
)

// A store keeps its records in a slice and finds them by key through the
// table, which holds only hash bits and positions.
func Example() {
	seed := maphash.MakeSeed()
	var (
		records []string // the keys, by position
		index   hashindex.Table
	)
	find := func(key string) (uint32, bool) {
		return index.Find(maphash.String(seed, key), func(pos uint32) bool { return records[pos] == key })
	}
	for _, key := range []string{"order-1", "order-2", "order-1"} {
		if pos, ok := find(key); ok {
			fmt.Printf("%s is already at %d\n", key, pos)
			continue
		}
		records = append(records, key)
		index.Insert(maphash.String(seed, key), uint32(len(records)-1))
	}
	_, ok := find("order-3")
	fmt.Println(index.Len(), "keys; order-3 found:", ok)
	// Output:
	// order-1 is already at 0
	// 2 keys; order-3 found: false
}
