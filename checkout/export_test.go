package checkout

// NewMemoryStoreWithHash returns a MemoryStore whose order table hashes
// IDs with h, so that tests can make IDs collide.
func NewMemoryStoreWithHash(h func(string) uint64) *MemoryStore {
	s := NewMemoryStore()
	s.orders.hashFn = h
	return s
}

// PlainAddress is plainAddress, checkEmail's fast path.
var PlainAddress = plainAddress
