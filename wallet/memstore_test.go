package wallet

import (
	"strconv"
	"strings"
	"testing"
)

// TestShardCollisions drives a shard's ID map with hashes chosen to collide:
// 64-bit hash collisions are too rare to meet in the conformance suite, but
// every lookup after one must still find the right record or none.
func TestShardCollisions(t *testing.T) {
	sh := &memShard{m: make(map[uint64]uint32)}
	hashOf := func(id string) uint64 { return uint64(id[0]) } // "a1", "a2", ... collide
	want := map[string]*memRecord{}
	add := func(id string) {
		t.Helper()
		if r := sh.find(hashOf(id), id); r != nil {
			t.Fatalf("find(%q) before insert = record %d", id, r.idx)
		}
		r := sh.newRecord(7, &Transfer{ID: id, Code: "c" + id, Reference: "ref"})
		sh.insert(hashOf(id), id, r)
		want[id] = r
	}
	check := func() {
		t.Helper()
		for _, id := range []string{"a1", "a2", "a3", "b1", "b2", "c1"} {
			got := sh.find(hashOf(id), id)
			if got != want[id] {
				t.Fatalf("find(%q) = %p, want %p", id, got, want[id])
			}
			if got != nil && (string(sh.id(got)) != id || got.shard != 7) {
				t.Fatalf("record of %q holds id %q shard %d", id, sh.id(got), got.shard)
			}
		}
	}
	for _, id := range []string{"a1", "a2", "b1", "a3", "b2"} {
		add(id)
		check()
	}
	for _, id := range []string{"a1", "b2", "a3", "a2"} { // the one in m first, then those in coll
		sh.remove(hashOf(id), id)
		delete(want, id)
		check()
	}
	add("a2")
	check()
	if len(sh.coll) != 0 || len(sh.m) != 2 {
		t.Fatalf("after removals: %d in m, %d in coll", len(sh.m), len(sh.coll))
	}
}

// TestShardText checks that records keep their strings across text chunks.
func TestShardText(t *testing.T) {
	sh := &memShard{m: make(map[uint64]uint32)}
	long := strings.Repeat("x", MaxIDLength)
	var recs []*memRecord
	var ts []Transfer
	for i := range 1000 { // about 770 KiB of text: a dozen chunks
		tr := Transfer{ID: strconv.Itoa(i) + long[:MaxIDLength-len(strconv.Itoa(i))], Code: long[:i%MaxIDLength], Reference: long[:MaxIDLength-i%3]}
		recs = append(recs, sh.newRecord(0, &tr))
		ts = append(ts, tr)
	}
	if len(sh.texts.own) < 10 || len(sh.recs.own) != 4 {
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
