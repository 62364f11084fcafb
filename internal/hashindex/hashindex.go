package hashindex

// Table maps hashes to record positions. The zero value is empty and ready.
type Table struct {
	slots []uint64
	n     int
}

// Len returns the number of positions the table holds.
func (t *Table) Len() int { return t.n }

func fingerprint(h uint64) uint32 { return uint32(h >> 32) }

// Find returns the position inserted under hash h for which match returns
// true. match is called only for positions whose hash bits equal h's.
func (t *Table) Find(h uint64, match func(pos uint32) bool) (pos uint32, ok bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask, fp := uint32(len(t.slots)-1), fingerprint(h)
	for i := fp & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == fp && match(uint32(s)-1) {
			return uint32(s) - 1, true
		}
	}
}

// Insert adds pos under hash h. The caller has made sure with Find that
// no position it holds matches the same key.
func (t *Table) Insert(h uint64, pos uint32) {
	if (t.n+1)*4 > len(t.slots)*3 {
		old := t.slots
		t.slots = make([]uint64, max(64, 2*len(old)))
		for _, s := range old {
			if s != 0 {
				t.put(s)
			}
		}
	}
	t.put(uint64(fingerprint(h))<<32 | uint64(pos+1))
	t.n++
}

func (t *Table) put(s uint64) {
	mask := uint32(len(t.slots) - 1)
	i := uint32(s>>32) & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// Delete removes pos, inserted under hash h; it does nothing if the table
// does not hold it.
func (t *Table) Delete(h uint64, pos uint32) {
	if len(t.slots) == 0 {
		return
	}
	mask, want := uint32(len(t.slots)-1), uint64(fingerprint(h))<<32|uint64(pos+1)
	i := fingerprint(h) & mask
	for t.slots[i] != want {
		if t.slots[i] == 0 {
			return
		}
		i = (i + 1) & mask
	}
	// Backward-shift deletion: move later slots of the run that may sit
	// at i (their home is not cyclically in (i, j]) so no probe stops early.
	for j := i; ; {
		t.slots[i] = 0
		for {
			j = (j + 1) & mask
			s := t.slots[j]
			if s == 0 {
				t.n--
				return
			}
			if home := uint32(s>>32) & mask; (j-home)&mask >= (j-i)&mask {
				t.slots[i] = s
				i = j
				break
			}
		}
	}
}
