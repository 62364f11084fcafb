package wallet

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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
type MemoryLedger struct {
	now      func() time.Time
	seed     maphash.Seed
	createMu sync.Mutex
	accounts sync.Map // string -> *memAccount
	shards   [memShards]memShard

	expMu    sync.Mutex
	expiring expiryHeap
}

const memShards = 256

type memShard struct {
	mu   sync.Mutex
	m    map[string]*memRecord
	slab []memRecord // records are allocated 64 at a time
	_    [24]byte    // keep shards on separate cache lines
}

// newRecord returns a new record for id. The caller holds sh.mu.
func (sh *memShard) newRecord(id string) *memRecord {
	if len(sh.slab) == cap(sh.slab) {
		sh.slab = make([]memRecord, 0, 64)
	}
	sh.slab = sh.slab[:len(sh.slab)+1]
	r := &sh.slab[len(sh.slab)-1]
	r.id = id
	return r
}

type memAccount struct {
	mu    sync.Mutex
	id    string
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

type memEntry struct {
	rec     *memRecord
	kind    Kind
	debited bool
	after   MinorBalance
	at      int64 // unix microseconds
}

// recKey is the contents of a transfer compared for idempotency, normalized
// (commits and voids carry their hold's accounts, currency and amount).
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

type memRecord struct {
	id       string
	key      recKey
	state    atomic.Uint32
	status   atomic.Uint32 // holds: a Status
	err      error         // when failed
	amount   int64         // what moved: held, committed or released
	at       int64         // unix microseconds
	expires  int64         // unix microseconds; 0: never
	hold     *memRecord    // commits and voids
	debitAc  *memAccount
	creditAc *memAccount
}

// NewMemoryLedger returns an empty in-memory ledger.
func NewMemoryLedger(opts ...MemoryOption) *MemoryLedger {
	l := &MemoryLedger{now: time.Now, seed: maphash.MakeSeed()}
	for _, o := range opts {
		o(l)
	}
	for i := range l.shards {
		l.shards[i].m = make(map[string]*memRecord)
	}
	return l
}

var _ Ledger = (*MemoryLedger)(nil)

func (l *MemoryLedger) clock() time.Time { return l.now().UTC().Truncate(time.Microsecond) }

func (l *MemoryLedger) shard(id string) *memShard {
	return &l.shards[maphash.String(l.seed, id)%memShards]
}

func (l *MemoryLedger) account(id string) *memAccount {
	if a, ok := l.accounts.Load(id); ok {
		return a.(*memAccount)
	}
	return nil
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
	for _, a := range accounts {
		if l.account(a.ID) == nil {
			l.accounts.Store(a.ID, &memAccount{id: a.ID, cur: a.Currency, flags: a.Flags})
		}
	}
	return nil
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
	out := HistoryPage{Entries: make([]Entry, 0, len(page)), Next: after}
	for i, e := range page {
		r := e.rec
		cp := r.key.debit
		if e.debited {
			cp = r.key.credit
		}
		out.Entries = append(out.Entries, Entry{
			Account: a.id, Seq: after + int64(i) + 1, TransferID: r.id, Kind: e.kind,
			Debited: e.debited, Counterparty: cp, Code: r.key.code, Reference: r.key.ref,
			Currency: a.cur,
			Change:   e.after.Sub(prev).Decimal(a.id, a.cur, a.flags),
			After:    e.after.Decimal(a.id, a.cur, a.flags),
			Time:     time.UnixMicro(e.at).UTC(),
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
		sh := l.shard(id)
		sh.mu.Lock()
		r := sh.m[id]
		sh.mu.Unlock()
		if r == nil {
			return Result{}, fmt.Errorf("%w: %q", ErrTransferNotFound, id)
		}
		switch r.state.Load() {
		case recDone:
			return r.result(true), nil
		case recFailed:
			return r.result(true), &TransferError{ID: id, Existed: true, Err: r.err}
		case recAbandoned:
			continue
		}
		if err := waitSettled(ctx, r); err != nil {
			return Result{}, err
		}
	}
}

func (r *memRecord) result(existed bool) Result {
	k := &r.key
	res := Result{
		Transfer: Transfer{ID: r.id, Kind: k.kind, Debit: k.debit, Credit: k.credit,
			Amount: k.cur.FromMinor(r.amount), Currency: k.cur, HoldID: k.holdID,
			UpTo: k.upTo, Timeout: k.timeout, Code: k.code, Reference: k.ref},
		Existed: existed, Time: time.UnixMicro(r.at).UTC(), ExpiresAt: micros(r.expires), Status: Status(r.status.Load()),
	}
	if r.state.Load() == recFailed {
		res.Transfer.Amount = k.cur.FromMinor(k.units)
		res.Status = StatusNone
	}
	return res
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
		ops = append(ops, memOp{t: t, given: units})
	}
	if err := checkBatchIDs(transfers); err != nil {
		return nil, err
	}
	for {
		for i := range ops {
			ops[i] = memOp{t: ops[i].t, given: ops[i].given, units: ops[i].given}
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
		sh := l.shard(op.t.ID)
		sh.mu.Lock()
		r := sh.m[op.t.ID]
		if r == nil {
			op.rec = sh.newRecord(op.t.ID)
			sh.m[op.t.ID] = op.rec
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
		if op.rec != nil {
			r := op.rec
			r.key, r.hold, r.debitAc, r.creditAc = op.key, op.hold, op.debit, op.credit
		}
		switch {
		case ferr != nil && op.existing == nil && isMalformedAmount(ferr):
			// A malformed amount (inexact or too large in the hold's currency) is not recorded.
			bFail, bErr = i, &TransferError{Index: i, ID: op.t.ID, Err: ferr}
		case ferr != nil && op.existing == nil:
			bFail, bErr, bRecord = i, ferr, true
		case ferr != nil, op.existing != nil && (op.existing.key != op.key || op.existing.state.Load() == recFailed):
			bFail, bErr = i, replayOrConflict(i, op)
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
		d.hist.add(memEntry{rec: r, kind: kind, debited: true, after: d.bal, at: at})
		c.hist.add(memEntry{rec: r, kind: kind, after: c.bal, at: at})
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
			res[i] = op.existing.result(true)
			continue
		}
		r := op.rec
		st := StatusNone
		if op.key.kind == KindHold {
			st = StatusPending
			if r.expires != 0 {
				l.expMu.Lock()
				heap.Push(&l.expiring, r)
				l.expMu.Unlock()
			}
		}
		r.state.Store(recDone)
		t := op.t
		t.Debit, t.Credit, t.Currency = op.key.debit, op.key.credit, op.key.cur
		if t.Amount.Sign() == 0 || op.amount != op.units {
			t.Amount = op.key.cur.FromMinor(op.amount)
		}
		res[i] = Result{Transfer: t, Time: now, ExpiresAt: micros(r.expires), Status: st}
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

func replayOrConflict(i int, op *memOp) error {
	ex := op.existing
	if ex.key != op.key {
		return &TransferError{Index: i, ID: op.t.ID, Err: fmt.Errorf("%w: %q", ErrIdempotencyConflict, op.t.ID)}
	}
	return &TransferError{Index: i, ID: op.t.ID, Existed: true, Err: ex.err}
}

// release drops the IDs this batch reserved, except that the one at index
// failed (if >= 0) is recorded as failed with ferr.
func (l *MemoryLedger) release(ops []memOp, failed int, ferr error) {
	for i := range ops {
		op := &ops[i]
		if op.rec == nil {
			continue
		}
		if i == failed {
			op.rec.err = ferr
			op.rec.state.Store(recFailed)
			continue
		}
		sh := l.shard(op.t.ID)
		sh.mu.Lock()
		delete(sh.m, op.t.ID)
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
		sh := l.shard(t.HoldID)
		sh.mu.Lock()
		h := sh.m[t.HoldID]
		sh.mu.Unlock()
		if h != nil && (h.state.Load() == recInflight || h.state.Load() == recAbandoned) {
			return h, nil
		}
		if h == nil || h.state.Load() != recDone || h.key.kind != KindHold {
			return nil, fmt.Errorf("%w: %q", ErrHoldNotFound, t.HoldID)
		}
		op.hold = h
		if err := op.key.fromHold(t, h.key, h.amount); err != nil {
			return nil, err
		}
		op.units = op.key.units
	}
	op.debit, op.credit = l.account(op.key.debit), l.account(op.key.credit)
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
func (k *recKey) fromHold(t *Transfer, hold recKey, held int64) error {
	if (t.Debit != "" && t.Debit != hold.debit) || (t.Credit != "" && t.Credit != hold.credit) {
		return fmt.Errorf("%w: accounts differ from hold %q (%q to %q)", ErrInvalidTransfer, t.HoldID, hold.debit, hold.credit)
	}
	if t.Currency != "" && t.Currency != hold.cur {
		return fmt.Errorf("%w: %s, hold %q is in %s", ErrCurrencyMismatch, t.Currency, t.HoldID, hold.cur)
	}
	k.debit, k.credit, k.cur = hold.debit, hold.credit, hold.cur
	if t.Kind == KindCommit && t.Amount.Sign() > 0 {
		u, err := hold.cur.ToMinor(t.Amount)
		if err != nil {
			return err
		}
		k.units = u
		if u > held {
			return &AmountError{Amount: t.Amount, Currency: hold.cur, Err: ErrExceedsHold}
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
			return fmt.Errorf("%w: %q expired at %s", ErrHoldExpired, h.id, micros(h.expires).Format(time.RFC3339Nano))
		case st != StatusPending:
			return fmt.Errorf("%w: %q is %s", ErrHoldResolved, h.id, st)
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
		if len(l.expiring) == 0 || at < l.expiring[0].expires {
			l.expMu.Unlock()
			break
		}
		h := heap.Pop(&l.expiring).(*memRecord)
		l.expMu.Unlock()
		first, second := h.debitAc, h.creditAc
		if second.id < first.id {
			first, second = second, first
		}
		first.mu.Lock()
		second.mu.Lock()
		if Status(h.status.Load()) == StatusPending {
			d, c := h.debitAc, h.creditAc
			d.bal.DebitsPending -= h.amount
			c.bal.CreditsPending -= h.amount
			d.hist.add(memEntry{rec: h, kind: KindExpire, debited: true, after: d.bal, at: at})
			c.hist.add(memEntry{rec: h, kind: KindExpire, after: c.bal, at: at})
			h.status.Store(uint32(StatusExpired))
			n++
		}
		second.mu.Unlock()
		first.mu.Unlock()
	}
	return n, nil
}

type expiryHeap []*memRecord

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires < h[j].expires }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(*memRecord)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
