// Package hashindex is the index the in-memory stores find their records
// by: an open-addressing hash table from 64-bit hashes to the positions of
// records kept elsewhere (in chunks that never move), with linear probing
// and backward-shift deletion.
//
// A slot is one uint64: the upper 32 bits of the hash (which also choose
// the slot) beside the record's position + 1 (0: empty). A lookup usually
// reads one cache line and holds no pointer for the garbage collector to
// scan; a slot whose hash bits match is checked by the caller's match
// function against the record itself, so equal hash bits of different keys
// only cost a comparison. The table stays at most 3/4 full. Positions go
// up to 2^32-2; a store would need some hundreds of GiB of records before
// a position + 1 wrapped.
//
// A Table is not safe for concurrent use: its owner's lock guards it.
package hashindex
