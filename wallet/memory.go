package wallet

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/thanhtoan/thanhtoan/internal/hashindex"
)

// MemoryOption configures a MemoryLedger.
type MemoryOption func(*MemoryLedger)

// WithClock sets the clock the ledger reads for transfer times and hold
// expiry. A nil clock means time.Now.
func WithClock(now func() time.Time) MemoryOption {
	return func(l *MemoryLedger) {
		if now != nil {
			l.now = now
		}
	}
}

// MemoryLedger is the embedded, in-memory Ledger: the default for examples,
// tests and single-process use. It is safe for concurrent use.
//
// Each account has its own mutex; a batch locks the accounts it touches in
// ascending ID order (so batches never deadlock), checks everything on
// copies, then applies. Transfer IDs live in a sharded map. Batches that
// touch disjoint accounts run in parallel; contention is per hot account.
//
// What grows with every transfer holds no Go pointer, so the garbage
// collector has nothing in it to scan: records live in fixed-size chunks
// and name their accounts, their hold and their strings (ID, code,
// reference, copied into per-shard text chunks) by index; history entries
// name their record by index; each shard's ID index is an open-addressing
// table of hash bits and record indexes (internal/hashindex), the hash
// computed once per transfer and also choosing the shard, each hit checked
// against the stored ID. Accounts are found through a read-mostly snapshot map.
type MemoryLedger struct {
	now      func() time.Time
	seed     maphash.Seed
	createMu sync.Mutex
	accounts accIndex              // ID -> account
	accDir   chunkDir[*memAccount] // index -> account; grown under createMu
	nacc     uint32                // accounts created; under createMu
	shards   [memShards]memShard

	expMu    sync.Mutex
	expiring expiryHeap
}

const memShards = 256

// chunkDir is a growable table of chunks that readers index without a
// lock. The writer (holding the lock that guards growth) appends chunks to
// own and publishes the directory through pub; chunks never move, and a
// reader only indexes chunks published before the index it holds was.
type chunkDir[T any] struct {
	pub atomic.Pointer[[][]T]
	own [][]T
}

func (d *chunkDir[T]) grow(n int) []T {
	c := make([]T, n)
	d.own = append(d.own, c)
	own := d.own
	d.pub.Store(&own)
	return c
}

func (d *chunkDir[T]) at(i uint32) []T { return (*d.pub.Load())[i] }

// Chunks start small and grow, so that a ledger of a few transfers, whose
// IDs spread over all shards, stays small (tests and examples make many).
const (
	accChunkSize = 256
	recFirst     = 8   // records in a shard's first chunk; the next ones double
	recMax       = 256 // up to this many (about 100 bytes each)
	recSmall     = recFirst * (recMax/recFirst*2 - 1)
	textFirst    = 1 << 10 // bytes in a shard's first text chunk; the next ones double
	textMax      = 64 << 10
)

// recSlot returns the chunk and offset of a shard's record i.
func recSlot(i uint32) (chunk, off uint32) {
	if i >= recSmall {
		i -= recSmall
		return uint32(bits.Len(recMax/recFirst)) + i/recMax, i % recMax
	}
	k := uint32(bits.Len32(i/recFirst+1) - 1)
	return k, i - recFirst*(1<<k-1)
}

// accountAt returns the account with index i.
func (l *MemoryLedger) accountAt(i uint32) *memAccount {
	return l.accDir.at(i / accChunkSize)[i%accChunkSize]
}

type memShard struct {
	mu      sync.Mutex
	ids     hashindex.Table     // transfer IDs -> records
	fails   map[uint32]*memFail // records that failed: their contents and error
	nrec    uint32
	recs    chunkDir[memRecord]
	texts   chunkDir[byte]
	textOff uint32 // in the last text chunk
}

// memFail is what a failed transfer recorded: its contents as posted (for
// the idempotency check) and its error.
type memFail struct {
	id  string
	key recKey
	err error
}

// rec returns the shard's record with index i.
func (sh *memShard) rec(i uint32) *memRecord {
	c, o := recSlot(i)
	return &sh.recs.at(c)[o]
}

// text returns the stored strings of r (ID, code and reference, in a row).
func (sh *memShard) text(r *memRecord) []byte {
	return sh.texts.at(r.textChunk)[r.textOff : r.textOff+uint32(r.idLen)+uint32(r.codeLen)+uint32(r.refLen)]
}

func (sh *memShard) id(r *memRecord) []byte { return sh.text(r)[:r.idLen] }

// newRecord returns a new inflight record holding t's ID, code and
// reference. The caller holds sh.mu.
func (sh *memShard) newRecord(shard uint8, t *Transfer) *memRecord {
	i := sh.nrec
	ci, o := recSlot(i)
	if int(ci) == len(sh.recs.own) {
		sh.recs.grow(recFirst << min(ci, uint32(bits.Len(recMax/recFirst)-1)))
	}
	sh.nrec++
	r := &sh.recs.own[ci][o]
	r.idx, r.shard = i, shard
	n := uint32(len(t.ID) + len(t.Code) + len(t.Reference))
	if k := len(sh.texts.own); k == 0 || sh.textOff+n > uint32(len(sh.texts.own[k-1])) {
		sh.texts.grow(max(textFirst<<min(k, bits.Len(textMax/textFirst)-1), int(n)))
		sh.textOff = 0
	}
	tc := len(sh.texts.own) - 1
	b := sh.texts.own[tc][sh.textOff : sh.textOff+n]
	copy(b[copy(b, t.ID)+copy(b[len(t.ID):], t.Code):], t.Reference)
	r.textChunk, r.textOff = uint32(tc), sh.textOff
	r.idLen, r.codeLen, r.refLen = uint16(len(t.ID)), uint16(len(t.Code)), uint16(len(t.Reference))
	sh.textOff += n
	return r
}

// find returns the record of the transfer ID id whose hash is h, or nil.
// The caller holds sh.mu.
func (sh *memShard) find(h uint64, id string) *memRecord {
	i, ok := sh.ids.Find(h, func(i uint32) bool { return string(sh.id(sh.rec(i))) == id })
	if !ok {
		return nil
	}
	return sh.rec(i)
}

// insert maps id (hash h), which find did not find, to record r. The
// caller holds sh.mu.
func (sh *memShard) insert(h uint64, r *memRecord) { sh.ids.Insert(h, r.idx) }

// remove unmaps the record r of id (hash h), which find found. The caller
// holds sh.mu.
func (sh *memShard) remove(h uint64, r *memRecord) { sh.ids.Delete(h, r.idx) }

// fail returns what the failed record r recorded.
func (l *MemoryLedger) fail(r *memRecord) *memFail {
	sh := &l.shards[r.shard]
	sh.mu.Lock()
	f := sh.fails[r.idx]
	sh.mu.Unlock()
	return f
}

type memAccount struct {
	mu    sync.Mutex
	id    string
	idx   uint32
	cur   Currency
	flags Flags
	bal   MinorBalance
	hist  entryLog
}

// entryLog is an append-only list of entries kept in chunks of 8, 16, ...
// 1024 entries, then 1024 each: appending never copies, and a small account
// wastes little.
type entryLog struct {
	chunks [][]memEntry
	n      int
}

const (
	logFirst = 8
	logMax   = 1024
	logSmall = logFirst * (logMax/logFirst*2 - 1) // entries in the growing chunks
)

func (g *entryLog) len() int { return g.n }

func (g *entryLog) add(e memEntry) {
	if len(g.chunks) == 0 || len(g.chunks[len(g.chunks)-1]) == cap(g.chunks[len(g.chunks)-1]) {
		size := logMax
		if k := len(g.chunks); k < 8 {
			size = logFirst << k
		}
		g.chunks = append(g.chunks, make([]memEntry, 0, size))
	}
	last := &g.chunks[len(g.chunks)-1]
	*last = append(*last, e)
	g.n++
}

func (g *entryLog) at(k int) *memEntry {
	if k >= logSmall {
		k -= logSmall
		return &g.chunks[8+k/logMax][k%logMax]
	}
	i := bits.Len(uint(k/logFirst+1)) - 1
	return &g.chunks[i][k-logFirst*(1<<i-1)]
}

// memEntry is one history entry; it names its record by shard and index.
type memEntry struct {
	after   MinorBalance
	at      int64 // unix microseconds
	rec     uint32
	shard   uint8
	kind    Kind
	debited bool
}

// recKey is the contents of a transfer compared for idempotency, normalized
// (commits and voids carry their hold's accounts, currency and amount).
// Records keep it in their own fields (see memRecord.same); failed ones
// keep it whole in a memFail.
type recKey struct {
	kind          Kind
	debit, credit string
	cur           Currency
	holdID        string
	units         int64
	upTo          bool
	timeout       time.Duration
	code, ref     string
}

const (
	recInflight uint32 = iota
	recDone
	recFailed
	recAbandoned // reserved by a batch that then failed on another transfer; gone from the map
)

// memRecord is a transfer recorded by the ledger. It holds no Go pointer.
// Its fields are written by the batch that reserved it before it leaves
// recInflight; a failed one's contents are in its shard's fails.
type memRecord struct {
	state     atomic.Uint32
	status    atomic.Uint32 // holds: a Status
	idx       uint32        // in its shard
	shard     uint8
	kind      Kind
	upTo      bool
	debit     uint32 // account indexes
	credit    uint32
	hold      uint32 // commits and voids: the hold's index in holdShard
	holdShard uint8
	textChunk uint32
	textOff   uint32
	idLen     uint16
	codeLen   uint16
	refLen    uint16
	units     int64 // the normalized amount compared for idempotency
	amount    int64 // what moved: held, committed or released
	at        int64 // unix microseconds
	expires   int64 // unix microseconds; 0: never
	timeout   time.Duration
}

// NewMemoryLedger returns an empty in-memory ledger.
func NewMemoryLedger(opts ...MemoryOption) *MemoryLedger {
	l := &MemoryLedger{now: time.Now, seed: maphash.MakeSeed()}
	for _, o := range opts {
		o(l)
	}
	return l
}

var _ Ledger = (*MemoryLedger)(nil)

func (l *MemoryLedger) clock() time.Time { return l.now().UTC().Truncate(time.Microsecond) }

// lookup returns the record of a transfer ID, or nil.
func (l *MemoryLedger) lookup(id string) *memRecord {
	h := maphash.String(l.seed, id)
	sh := &l.shards[h%memShards]
	sh.mu.Lock()
	r := sh.find(h, id)
	sh.mu.Unlock()
	return r
}

func (l *MemoryLedger) account(id string) *memAccount {
	return l.accounts.get(id)
}

// accIndex maps account IDs to accounts. Accounts are few next to
// transfers and never removed, so reads go to an immutable snapshot map
// behind an atomic pointer without a lock; accounts created since the
// snapshot are in fresh, under mu, until enough reads have missed the
// snapshot to pay for building a new one (a copy of at most 8 entries per
// miss, amortized).
type accIndex struct {
	snap   atomic.Pointer[map[string]*memAccount]
	mu     sync.Mutex
	fresh  map[string]*memAccount
	misses int
}

func (x *accIndex) get(id string) *memAccount {
	if m := x.snap.Load(); m != nil {
		if a, ok := (*m)[id]; ok {
			return a
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var old map[string]*memAccount
	if m := x.snap.Load(); m != nil { // it may have been replaced since
		old = *m
		if a, ok := old[id]; ok {
			return a
		}
	}
	if len(x.fresh) == 0 {
		return nil
	}
	a := x.fresh[id]
	if x.misses++; x.misses > (len(old)+len(x.fresh))/8 {
		m := make(map[string]*memAccount, len(old)+len(x.fresh))
		maps.Copy(m, old)
		maps.Copy(m, x.fresh)
		x.snap.Store(&m)
		x.fresh, x.misses = nil, 0
	}
	return a
}

func (x *accIndex) add(a *memAccount) {
	x.mu.Lock()
	if x.fresh == nil {
		x.fresh = make(map[string]*memAccount)
	}
	x.fresh[a.id] = a
	x.mu.Unlock()
}

// CreateAccounts implements Ledger.
func (l *MemoryLedger) CreateAccounts(ctx context.Context, accounts ...Account) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, a := range accounts {
		if err := a.Validate(); err != nil {
			return err
		}
	}
	l.createMu.Lock()
	defer l.createMu.Unlock()
	seen := make(map[string]Account, len(accounts))
	for _, a := range accounts {
		prev, ok := seen[a.ID]
		if !ok {
			if ex := l.account(a.ID); ex != nil {
				prev, ok = Account{ID: ex.id, Currency: ex.cur, Flags: ex.flags}, true
			}
		}
		if ok && prev != a {
			return fmt.Errorf("%w: %q is %s flags %#x", ErrAccountConflict, a.ID, prev.Currency, uint32(prev.Flags))
		}
		seen[a.ID] = a
	}
	if uint64(l.nacc)+uint64(len(accounts)) > math.MaxUint32 {
		return fmt.Errorf("%w: the ledger is full (%d accounts)", ErrInvalidAccount, l.nacc)
	}
	for _, a := range accounts {
		if l.account(a.ID) == nil {
			l.addAccount(&memAccount{id: a.ID, cur: a.Currency, flags: a.Flags})
		}
	}
	return nil
}

// addAccount gives a its index and publishes it. The caller holds createMu.
func (l *MemoryLedger) addAccount(a *memAccount) {
	a.idx = l.nacc
	if a.idx%accChunkSize == 0 {
		l.accDir.grow(accChunkSize)
	}
	l.accDir.own[a.idx/accChunkSize][a.idx%accChunkSize] = a
	l.nacc++
	l.accounts.add(a)
}

// Balance implements Ledger.
func (l *MemoryLedger) Balance(ctx context.Context, account string) (Balance, error) {
	if err := ctx.Err(); err != nil {
		return Balance{}, err
	}
	a := l.account(account)
	if a == nil {
		return Balance{}, fmt.Errorf("%w: %q", ErrAccountNotFound, account)
	}
	a.mu.Lock()
	b := a.bal
	a.mu.Unlock()
	return b.Decimal(a.id, a.cur, a.flags), nil
}

// History implements Ledger.
func (l *MemoryLedger) History(ctx context.Context, account string, q HistoryQuery) (HistoryPage, error) {
	if err := ctx.Err(); err != nil {
		return HistoryPage{}, err
	}
	a := l.account(account)
	if a == nil {
		return HistoryPage{}, fmt.Errorf("%w: %q", ErrAccountNotFound, account)
	}
	limit := q.PageLimit()
	after := max(q.After, 0)
	a.mu.Lock()
	n := int64(a.hist.len())
	var page []memEntry
	var prev MinorBalance
	if after < n {
		end := min(after+int64(limit), n)
		page = make([]memEntry, 0, end-after)
		for k := after; k < end; k++ {
			page = append(page, *a.hist.at(int(k)))
		}
		if after > 0 {
			prev = a.hist.at(int(after - 1)).after
		}
	}
	a.mu.Unlock()
	// The page's strings are copied out in one allocation.
	size := 0
	for _, e := range page {
		size += len(l.shards[e.shard].text(l.shards[e.shard].rec(e.rec)))
	}
	var sb strings.Builder
	sb.Grow(size)
	for _, e := range page {
		sb.Write(l.shards[e.shard].text(l.shards[e.shard].rec(e.rec)))
	}
	all := sb.String()
	out := HistoryPage{Entries: make([]Entry, 0, len(page)), Next: after}
	for i, e := range page {
		sh := &l.shards[e.shard]
		r := sh.rec(e.rec)
		text := all[:int(r.idLen)+int(r.codeLen)+int(r.refLen)]
		all = all[len(text):]
		cp := r.debit
		if e.debited {
			cp = r.credit
		}
		out.Entries = append(out.Entries, Entry{
			Account: a.id, Seq: after + int64(i) + 1, TransferID: text[:r.idLen], Kind: e.kind,
			Debited: e.debited, Counterparty: l.accountAt(cp).id,
			Code:      text[r.idLen : r.idLen+r.codeLen],
			Reference: text[r.idLen+r.codeLen:],
			Currency:  a.cur,
			Change:    e.after.Sub(prev).Decimal(a.id, a.cur, a.flags),
			After:     e.after.Decimal(a.id, a.cur, a.flags),
			Time:      time.UnixMicro(e.at).UTC(),
		})
		prev = e.after
	}
	out.Next = after + int64(len(page))
	out.More = out.Next < n
	return out, nil
}

// Lookup implements Ledger.
func (l *MemoryLedger) Lookup(ctx context.Context, id string) (Result, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		r := l.lookup(id)
		if r == nil {
			return Result{}, fmt.Errorf("%w: %q", ErrTransferNotFound, id)
		}
		switch r.state.Load() {
		case recDone:
			return l.result(r, nil), nil
		case recFailed:
			f := l.fail(r)
			return f.result(), &TransferError{ID: id, Existed: true, Err: f.err}
		case recAbandoned:
			continue
		}
		if err := waitSettled(ctx, r); err != nil {
			return Result{}, err
		}
	}
}

// result returns the Result of the done record r. Its strings are taken
// from t when given (a transfer of the same contents), else copied.
func (l *MemoryLedger) result(r *memRecord, t *Transfer) Result {
	d, c := l.accountAt(r.debit), l.accountAt(r.credit)
	res := Result{
		Transfer: Transfer{Kind: r.kind, Debit: d.id, Credit: c.id, Amount: d.cur.FromMinor(r.amount),
			Currency: d.cur, UpTo: r.upTo, Timeout: r.timeout},
		Existed: true, Time: time.UnixMicro(r.at).UTC(), ExpiresAt: micros(r.expires), Status: Status(r.status.Load()),
	}
	if t != nil {
		res.Transfer.ID, res.Transfer.HoldID, res.Transfer.Code, res.Transfer.Reference = t.ID, t.HoldID, t.Code, t.Reference
		return res
	}
	text := string(l.shards[r.shard].text(r)) // one allocation for the three
	res.Transfer.ID = text[:r.idLen]
	res.Transfer.Code = text[r.idLen : r.idLen+r.codeLen]
	res.Transfer.Reference = text[r.idLen+r.codeLen:]
	if r.kind == KindCommit || r.kind == KindVoid {
		hs := &l.shards[r.holdShard]
		res.Transfer.HoldID = string(hs.id(hs.rec(r.hold)))
	}
	return res
}

// result returns the Result of a failed transfer: its contents as posted.
func (f *memFail) result() Result {
	k := &f.key
	return Result{
		Transfer: Transfer{ID: f.id, Kind: k.kind, Debit: k.debit, Credit: k.credit,
			Amount: k.cur.FromMinor(k.units), Currency: k.cur, HoldID: k.holdID,
			UpTo: k.upTo, Timeout: k.timeout, Code: k.code, Reference: k.ref},
		Existed: true, Time: time.UnixMicro(0).UTC(),
	}
}

// same reports whether r, a done record, has the contents of op, whose
// accounts and hold resolved. Equal account and hold records mean equal
// IDs, and the currency is the accounts'.
func (r *memRecord) same(sh *memShard, op *memOp) bool {
	k := &op.key
	if r.kind != k.kind || r.debit != op.debit.idx || r.credit != op.credit.idx || r.units != k.units ||
		r.upTo != k.upTo || r.timeout != k.timeout || int(r.codeLen) != len(k.code) || int(r.refLen) != len(k.ref) {
		return false
	}
	if h := op.hold; h != nil && (r.hold != h.idx || r.holdShard != h.shard) {
		return false
	}
	text := sh.text(r)
	return string(text[r.idLen:r.idLen+r.codeLen]) == k.code && string(text[r.idLen+r.codeLen:]) == k.ref
}

// waitSettled waits for a record another batch is writing to be settled.
func waitSettled(ctx context.Context, r *memRecord) error {
	for i := 0; r.state.Load() == recInflight; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(time.Duration(min(i+1, 100)) * time.Microsecond)
	}
	return nil
}

// memOp is one transfer of a batch being posted.
type memOp struct {
	t        Transfer // a copy: a pointer into the caller's slice would make it escape
	h        uint64   // hash of t.ID
	key      recKey
	given    int64 // amount as validated, in minor units
	units    int64
	existing *memRecord // recorded before this call
	rec      *memRecord // ours, inserted inflight
	hold     *memRecord
	debit    *memAccount
	credit   *memAccount
	di, ci   int // indexes into the lock list
	amount   int64
	dDelta   MinorBalance
	cDelta   MinorBalance
}

// Post implements Ledger.
func (l *MemoryLedger) Post(ctx context.Context, transfers ...Transfer) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(transfers) == 0 {
		return nil, nil
	}
	var buf [1]memOp
	ops := buf[:0]
	if len(transfers) > 1 {
		ops = make([]memOp, 0, len(transfers))
	}
	for i := range transfers {
		t := transfers[i]
		units, err := t.validate()
		if err != nil {
			return nil, &TransferError{Index: i, ID: t.ID, Err: err}
		}
		ops = append(ops, memOp{t: t, h: maphash.String(l.seed, t.ID), given: units})
	}
	if err := checkBatchIDs(transfers); err != nil {
		return nil, err
	}
	for {
		for i := range ops {
			ops[i] = memOp{t: ops[i].t, h: ops[i].h, given: ops[i].given, units: ops[i].given}
		}
		res, wait, err := l.tryPost(ops)
		if wait == nil {
			return res, err
		}
		if err := waitSettled(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// tryPost makes one attempt at a batch. A non-nil wait means a record was
// being written by another batch: wait for it and try again.
func (l *MemoryLedger) tryPost(ops []memOp) (res []Result, wait *memRecord, err error) {
	// A: find IDs recorded before, and reserve the new ones (an inflight
	// record makes concurrent posts of the same ID wait for the outcome).
	for i := range ops {
		op := &ops[i]
		s := uint8(op.h % memShards)
		sh := &l.shards[s]
		sh.mu.Lock()
		r := sh.find(op.h, op.t.ID)
		if r == nil {
			op.rec = sh.newRecord(s, &op.t)
			sh.insert(op.h, op.rec)
		}
		sh.mu.Unlock()
		if r != nil {
			if st := r.state.Load(); st == recInflight || st == recAbandoned {
				l.release(ops[:i], -1, nil)
				return nil, r, nil
			}
			op.existing = r
		}
	}
	// B: resolve holds and accounts, normalize contents. A failure here
	// (at index bFail) is reported only if the transfers before it pass D,
	// so that the error always names the first failing transfer.
	bFail, bErr, bRecord := len(ops), error(nil), false
	for i := range ops {
		op := &ops[i]
		wait, ferr := l.resolve(op)
		if wait != nil {
			l.release(ops, -1, nil)
			return nil, wait, nil
		}
		if r := op.rec; r != nil && ferr == nil {
			k := &op.key
			r.kind, r.upTo, r.debit, r.credit = k.kind, k.upTo, op.debit.idx, op.credit.idx
			r.units, r.timeout = k.units, k.timeout
			if h := op.hold; h != nil {
				r.hold, r.holdShard = h.idx, h.shard
			}
		}
		switch {
		case ferr != nil && op.existing == nil && isMalformedAmount(ferr):
			// A malformed amount (inexact or too large in the hold's currency) is not recorded.
			bFail, bErr = i, &TransferError{Index: i, ID: op.t.ID, Err: ferr}
		case ferr != nil && op.existing == nil:
			bFail, bErr, bRecord = i, ferr, true
		case op.existing != nil:
			// Same contents as recorded: a failure is replayed, a success
			// is a result; other contents conflict. A transfer that failed
			// to resolve never has the contents of a success (accounts and
			// holds do not change).
			ex := op.existing
			if ex.state.Load() == recFailed {
				if f := l.fail(ex); f.key != op.key {
					bFail, bErr = i, conflict(i, op)
				} else {
					bFail, bErr = i, &TransferError{Index: i, ID: op.t.ID, Existed: true, Err: f.err}
				}
			} else if ferr != nil || !ex.same(&l.shards[ex.shard], op) {
				bFail, bErr = i, conflict(i, op)
			}
		}
		if bFail < len(ops) {
			break
		}
	}
	all := ops
	ops = ops[:bFail]
	// C: lock the accounts of new transfers in ascending ID order.
	var lockBuf [4]*memAccount
	locks := lockBuf[:0]
	for i := range ops {
		if ops[i].existing == nil {
			locks = append(locks, ops[i].debit, ops[i].credit)
		}
	}
	if len(locks) == 2 {
		if locks[1].id < locks[0].id {
			locks[0], locks[1] = locks[1], locks[0]
		}
	} else {
		sortAccounts(locks)
	}
	locks = slices.Compact(locks)
	for _, a := range locks {
		a.mu.Lock()
	}
	unlock := func() {
		for _, a := range locks {
			a.mu.Unlock()
		}
	}
	// D: check the batch on copies of the balances.
	var balBuf [4]MinorBalance
	bals := balBuf[:0]
	for _, a := range locks {
		bals = append(bals, a.bal)
	}
	index := func(a *memAccount) int {
		if len(locks) <= 8 {
			for i, x := range locks {
				if x == a {
					return i
				}
			}
		}
		i, _ := slices.BinarySearchFunc(locks, a.id, func(x *memAccount, id string) int {
			switch {
			case x.id < id:
				return -1
			case x.id > id:
				return 1
			}
			return 0
		})
		return i
	}
	now := l.clock()
	var resolved []*memRecord // holds resolved earlier in this batch
	for i := range ops {
		op := &ops[i]
		if op.existing != nil {
			continue
		}
		op.di, op.ci = index(op.debit), index(op.credit)
		if ferr := simulate(op, &bals[op.di], &bals[op.ci], now, resolved); ferr != nil {
			l.release(all, i, ferr)
			unlock()
			return nil, nil, &TransferError{Index: i, ID: op.t.ID, Err: ferr}
		}
		if op.hold != nil {
			resolved = append(resolved, op.hold)
		}
	}
	if bFail < len(all) {
		unlock()
		if bRecord {
			l.release(all, bFail, bErr)
			return nil, nil, &TransferError{Index: bFail, ID: all[bFail].t.ID, Err: bErr}
		}
		l.release(all, -1, nil)
		return nil, nil, bErr
	}
	// E: apply under the locks; results are built after.
	at := now.UnixMicro()
	for i := range ops {
		op := &ops[i]
		if op.existing != nil {
			continue
		}
		r := op.rec
		r.amount, r.at = op.amount, at
		d, c := op.debit, op.credit
		d.bal = addBal(d.bal, op.dDelta)
		c.bal = addBal(c.bal, op.cDelta)
		kind := op.key.kind
		d.hist.add(memEntry{rec: r.idx, shard: r.shard, kind: kind, debited: true, after: d.bal, at: at})
		c.hist.add(memEntry{rec: r.idx, shard: r.shard, kind: kind, after: c.bal, at: at})
		switch kind {
		case KindHold:
			r.status.Store(uint32(StatusPending))
			if op.key.timeout > 0 {
				r.expires = at + op.key.timeout.Microseconds()
			}
		case KindCommit:
			op.hold.status.Store(uint32(StatusCommitted))
		case KindVoid:
			op.hold.status.Store(uint32(StatusVoided))
		}
	}
	unlock()
	res = make([]Result, len(ops))
	for i := range ops {
		op := &ops[i]
		if op.existing != nil {
			res[i] = l.result(op.existing, &op.t)
			continue
		}
		r := op.rec
		st := StatusNone
		if op.key.kind == KindHold {
			st = StatusPending
			if r.expires != 0 {
				l.expMu.Lock()
				heap.Push(&l.expiring, expiry{at: r.expires, rec: r.idx, shard: r.shard})
				l.expMu.Unlock()
			}
		}
		r.state.Store(recDone)
		out := &res[i] // written in place: a Result is 216 bytes
		out.Transfer = op.t
		t := &out.Transfer
		t.Debit, t.Credit, t.Currency = op.key.debit, op.key.credit, op.key.cur
		if t.Amount.Sign() == 0 || op.amount != op.units {
			t.Amount = op.key.cur.FromMinor(op.amount)
		}
		out.Time, out.ExpiresAt, out.Status = now, micros(r.expires), st
	}
	return res, nil, nil
}

func sortAccounts(as []*memAccount) {
	slices.SortFunc(as, func(a, b *memAccount) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
}

// micros converts unix microseconds to a UTC time, 0 to the zero time.
func micros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func addBal(b, d MinorBalance) MinorBalance {
	return MinorBalance{b.DebitsPosted + d.DebitsPosted, b.CreditsPosted + d.CreditsPosted,
		b.DebitsPending + d.DebitsPending, b.CreditsPending + d.CreditsPending}
}

// isMalformedAmount reports whether err is an amount the hold's currency
// cannot take (inexact or too large), as opposed to a business failure. It
// is a function of its own so that the *AmountError target of errors.As
// does not escape to the heap on every post.
func isMalformedAmount(err error) bool {
	var ae *AmountError
	return errors.As(err, &ae) && !errors.Is(err, ErrExceedsHold)
}

func conflict(i int, op *memOp) error {
	return &TransferError{Index: i, ID: op.t.ID, Err: fmt.Errorf("%w: %q", ErrIdempotencyConflict, op.t.ID)}
}

// release drops the IDs this batch reserved, except that the one at index
// failed (if >= 0) is recorded as failed with ferr.
func (l *MemoryLedger) release(ops []memOp, failed int, ferr error) {
	for i := range ops {
		op := &ops[i]
		if op.rec == nil {
			continue
		}
		sh := &l.shards[op.rec.shard]
		if i == failed {
			sh.mu.Lock()
			if sh.fails == nil {
				sh.fails = make(map[uint32]*memFail)
			}
			sh.fails[op.rec.idx] = &memFail{id: op.t.ID, key: op.key, err: ferr}
			sh.mu.Unlock()
			op.rec.state.Store(recFailed)
			continue
		}
		sh.mu.Lock()
		sh.remove(op.h, op.rec)
		sh.mu.Unlock()
		op.rec.state.Store(recAbandoned) // wakes waiters, who find the ID gone
		op.rec = nil
	}
}

// resolve fills op's accounts, hold and normalized key.
func (l *MemoryLedger) resolve(op *memOp) (wait *memRecord, ferr error) {
	t := &op.t
	op.key = recKey{kind: t.Kind, debit: t.Debit, credit: t.Credit, cur: t.Currency, holdID: t.HoldID,
		units: op.units, upTo: t.UpTo, timeout: t.Timeout, code: t.Code, ref: t.Reference}
	if t.Kind == KindCommit || t.Kind == KindVoid {
		h := l.lookup(t.HoldID)
		if h != nil && (h.state.Load() == recInflight || h.state.Load() == recAbandoned) {
			return h, nil
		}
		if h == nil || h.state.Load() != recDone || h.kind != KindHold {
			return nil, fmt.Errorf("%w: %q", ErrHoldNotFound, t.HoldID)
		}
		op.hold = h
		op.debit, op.credit = l.accountAt(h.debit), l.accountAt(h.credit)
		if err := op.key.fromHold(t, op.debit, op.credit, h.amount); err != nil {
			op.debit, op.credit = nil, nil
			return nil, err
		}
		op.units = op.key.units
	} else {
		op.debit, op.credit = l.account(op.key.debit), l.account(op.key.credit)
	}
	if op.debit == nil {
		return nil, fmt.Errorf("%w: %q", ErrAccountNotFound, op.key.debit)
	}
	if op.credit == nil {
		return nil, fmt.Errorf("%w: %q", ErrAccountNotFound, op.key.credit)
	}
	if op.debit.cur != op.key.cur || op.credit.cur != op.key.cur {
		return nil, fmt.Errorf("%w: transfer in %s, accounts %q in %s and %q in %s", ErrCurrencyMismatch,
			op.key.cur, op.debit.id, op.debit.cur, op.credit.id, op.credit.cur)
	}
	return nil, nil
}

// fromHold normalizes a commit's or void's key from its hold: accounts,
// currency, and amount (a commit of zero means all; a void releases all).
func (k *recKey) fromHold(t *Transfer, debit, credit *memAccount, held int64) error {
	if (t.Debit != "" && t.Debit != debit.id) || (t.Credit != "" && t.Credit != credit.id) {
		return fmt.Errorf("%w: accounts differ from hold %q (%q to %q)", ErrInvalidTransfer, t.HoldID, debit.id, credit.id)
	}
	cur := debit.cur // a hold's accounts and transfer share one currency
	if t.Currency != "" && t.Currency != cur {
		return fmt.Errorf("%w: %s, hold %q is in %s", ErrCurrencyMismatch, t.Currency, t.HoldID, cur)
	}
	k.debit, k.credit, k.cur = debit.id, credit.id, cur
	if t.Kind == KindCommit && t.Amount.Sign() > 0 {
		u, err := cur.ToMinor(t.Amount)
		if err != nil {
			return err
		}
		k.units = u
		if u > held {
			return &AmountError{Amount: t.Amount, Currency: cur, Err: ErrExceedsHold}
		}
		return nil
	}
	k.units = held
	return nil
}

// simulate checks op against the working balances d and c and applies it
// to them, recording the deltas and amount in op.
func simulate(op *memOp, d, c *MinorBalance, now time.Time, resolved []*memRecord) error {
	k := &op.key
	dflags := op.debit.flags
	switch k.kind {
	case KindPost, KindHold:
		amt := k.units
		if dflags&NoOverdraft != 0 {
			avail := d.Available()
			if k.kind == KindHold && k.upTo && avail > 0 {
				amt = min(amt, avail)
			}
			if avail < amt || avail <= 0 {
				return &InsufficientFundsError{Account: op.debit.id, Currency: k.cur,
					Available: k.cur.FromMinor(max(avail, 0)), Requested: k.cur.FromMinor(k.units)}
			}
		}
		if k.kind == KindPost {
			op.dDelta = MinorBalance{DebitsPosted: amt}
			op.cDelta = MinorBalance{CreditsPosted: amt}
		} else {
			op.dDelta = MinorBalance{DebitsPending: amt}
			op.cDelta = MinorBalance{CreditsPending: amt}
		}
		op.amount = amt
	case KindCommit, KindVoid:
		h := op.hold
		st := Status(h.status.Load())
		if slices.Contains(resolved, h) {
			st = StatusCommitted
		}
		switch {
		case st == StatusExpired || (st == StatusPending && h.expires != 0 && now.UnixMicro() >= h.expires):
			return fmt.Errorf("%w: %q expired at %s", ErrHoldExpired, op.t.HoldID, micros(h.expires).Format(time.RFC3339Nano))
		case st != StatusPending:
			return fmt.Errorf("%w: %q is %s", ErrHoldResolved, op.t.HoldID, st)
		}
		amt := k.units
		if k.kind == KindVoid {
			amt = 0
		}
		op.dDelta = MinorBalance{DebitsPosted: amt, DebitsPending: -h.amount}
		op.cDelta = MinorBalance{CreditsPosted: amt, CreditsPending: -h.amount}
		op.amount = k.units
	}
	nd, nc := addBal(*d, op.dDelta), addBal(*c, op.cDelta)
	if overflows(*d, op.dDelta) || overflows(*c, op.cDelta) {
		return fmt.Errorf("%w: a balance would exceed the int64 range", ErrAmountOverflow)
	}
	*d, *c = nd, nc
	return nil
}

// overflows reports whether b+d leaves the range where every derived
// balance (posted, available) fits an int64.
func overflows(b, d MinorBalance) bool {
	add := func(x, y int64) (int64, bool) {
		s := x + y
		return s, (y > 0 && s < x)
	}
	dp, o1 := add(b.DebitsPosted, d.DebitsPosted)
	cp, o2 := add(b.CreditsPosted, d.CreditsPosted)
	dpe, o3 := add(b.DebitsPending, d.DebitsPending)
	cpe, o4 := add(b.CreditsPending, d.CreditsPending)
	return o1 || o2 || o3 || o4 || dp > math.MaxInt64-dpe || cp > math.MaxInt64-cpe
}

// ExpireHolds implements Ledger.
func (l *MemoryLedger) ExpireHolds(ctx context.Context, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := l.clock()
	at := now.UnixMicro()
	n := 0
	for limit <= 0 || n < limit {
		l.expMu.Lock()
		if len(l.expiring) == 0 || at < l.expiring[0].at {
			l.expMu.Unlock()
			break
		}
		e := heap.Pop(&l.expiring).(expiry)
		l.expMu.Unlock()
		h := l.shards[e.shard].rec(e.rec)
		d, c := l.accountAt(h.debit), l.accountAt(h.credit)
		first, second := d, c
		if second.id < first.id {
			first, second = second, first
		}
		first.mu.Lock()
		second.mu.Lock()
		if Status(h.status.Load()) == StatusPending {
			d.bal.DebitsPending -= h.amount
			c.bal.CreditsPending -= h.amount
			d.hist.add(memEntry{rec: e.rec, shard: e.shard, kind: KindExpire, debited: true, after: d.bal, at: at})
			c.hist.add(memEntry{rec: e.rec, shard: e.shard, kind: KindExpire, after: c.bal, at: at})
			h.status.Store(uint32(StatusExpired))
			n++
		}
		second.mu.Unlock()
		first.mu.Unlock()
	}
	return n, nil
}

// expiry is a hold with a timeout: when it expires and its record.
type expiry struct {
	at    int64 // unix microseconds
	rec   uint32
	shard uint8
}

type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
