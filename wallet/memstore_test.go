package wallet

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestShardIDs drives a shard's ID table against a map, with hashes drawn
// from a small set so that many IDs share hash bits and probe runs wrap
// around the table: 64-bit hash collisions are too rare to meet in the
// conformance suite, but every lookup after one must still find the right
// record or none.
func TestShardIDs(t *testing.T) {
	sh := &memShard{}
	rng := rand.New(rand.NewPCG(1, 2))
	hashOf := func(id string) uint64 { // 0..15 in the upper 32 bits, the lower ones ignored by the table
		n, _ := strconv.Atoi(id)
		return uint64(n*2654435761%16)<<32 | 0xdead
	}
	want := map[string]*memRecord{}
	for step := range 20000 {
		id := strconv.Itoa(rng.IntN(400))
		h := hashOf(id)
		r := sh.find(h, id)
		if r != want[id] {
			t.Fatalf("step %d: find(%q) = %v, want %v", step, id, r, want[id])
		}
		if r == nil {
			r = sh.newRecord(7, &Transfer{ID: id, Code: "c", Reference: "ref" + id})
			sh.insert(h, r)
			want[id] = r
		} else if rng.IntN(2) == 0 {
			sh.remove(h, r)
			delete(want, id)
		}
		if sh.ids.Len() != len(want) {
			t.Fatalf("step %d: table holds %d, want %d", step, sh.ids.Len(), len(want))
		}
	}
	for n := range 400 {
		id := strconv.Itoa(n)
		if got := sh.find(hashOf(id), id); got != want[id] || (got != nil && (string(sh.id(got)) != id || got.shard != 7)) {
			t.Fatalf("find(%q) = %v, want %v", id, got, want[id])
		}
	}
}

// TestShardText checks that records keep their strings across text chunks.
func TestShardText(t *testing.T) {
	sh := &memShard{}
	long := strings.Repeat("x", MaxIDLength)
	var recs []*memRecord
	var ts []Transfer
	for i := range 3000 { // some 2 MiB of text: many chunks, past the growing ones
		tr := Transfer{ID: strconv.Itoa(i) + long[:MaxIDLength-len(strconv.Itoa(i))], Code: long[:i%MaxIDLength], Reference: long[:MaxIDLength-i%3]}
		recs = append(recs, sh.newRecord(0, &tr))
		ts = append(ts, tr)
	}
	if len(sh.texts.own) < 10 || len(sh.recs.own) != 16 { // 8 + 16 + ... + 256, then 256 ten times
		t.Fatalf("%d text chunks, %d record chunks", len(sh.texts.own), len(sh.recs.own))
	}
	for i, r := range recs {
		if r != sh.rec(uint32(i)) || r.idx != uint32(i) {
			t.Fatalf("record %d is at index %d", i, r.idx)
		}
		text := sh.text(r)
		if id, code, ref := string(text[:r.idLen]), string(text[r.idLen:r.idLen+r.codeLen]), string(text[r.idLen+r.codeLen:]); id != ts[i].ID || code != ts[i].Code || ref != ts[i].Reference {
			t.Fatalf("record %d holds %q %q %q", i, id, code, ref)
		}
	}
}

// TestAccIndex checks that accounts are found whether they are in the
// snapshot or among the fresh ones, across snapshot rebuilds.
func TestAccIndex(t *testing.T) {
	var x accIndex
	var accs []*memAccount
	rebuilt := 0
	for i := range 300 {
		a := &memAccount{id: "a" + strconv.Itoa(i)}
		x.add(a)
		accs = append(accs, a)
		before := x.snap.Load()
		for j, b := range accs {
			if got := x.get(b.id); got != b {
				t.Fatalf("after %d accounts: get(%q) = %v", i+1, accs[j].id, got)
			}
		}
		if x.get("missing") != nil {
			t.Fatal("get of a missing account found one")
		}
		if x.snap.Load() != before {
			rebuilt++
		}
	}
	if rebuilt == 0 || rebuilt == 300 {
		t.Fatalf("snapshot rebuilt %d times in 300 additions", rebuilt)
	}
}
