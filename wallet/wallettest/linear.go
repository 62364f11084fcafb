package wallettest

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/wallet"
)

// TestLinearizable checks that concurrent histories of a Ledger are
// linearizable: that every operation's result is one a sequential ledger,
// written from the wallet.Ledger contract, could have given at some instant
// between its call and its return. It runs rounds histories (the
// THANHTOAN_LINEAR_ROUNDS environment variable overrides the number), each
// on fresh accounts of one ledger made once by newLedger with a fixed
// clock, so that no hold expires while a history runs.
//
// In each history 4 to 6 goroutines post, at once, random top-ups,
// payments, wallet-to-wallet transfers, exact and up-to holds, full and
// partial commits, voids and batches of two, and read Lookup and Balance,
// on three customer wallets (NoOverdraft) and two system accounts of one
// currency, with amounts from a small set and transfer IDs drawn from a
// small pool, sometimes with other contents, so that overdraft checks, hold
// resolutions and idempotency conflict often. porcupine
// (github.com/anishathalye/porcupine) searches for a linearization; when
// there is none the test fails with the round's seed and writes porcupine's
// visualization (an HTML page) to a file whose path it prints, under
// THANHTOAN_LINEAR_DIR when set, else under t.TempDir().
// THANHTOAN_LINEAR_SEED fixes the first round's seed (the interleaving
// still varies from run to run). The model allows one known deviation
// from the contract unless THANHTOAN_LINEAR_STRICT=1: a transfer's failure
// is recorded after the failing statement rolled back (pgledger), so for a
// while its ID is not recorded: a Lookup finds nothing and a post of the
// ID is judged afresh. No money moves either way.
func TestLinearizable(t *testing.T, rounds int, newLedger func(t *testing.T, now func() time.Time) wallet.Ledger) {
	t.Helper()
	if s := os.Getenv("THANHTOAN_LINEAR_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("THANHTOAN_LINEAR_ROUNDS=%q: want a positive integer", s)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("THANHTOAN_LINEAR_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("THANHTOAN_LINEAR_SEED: %v", err)
		}
		seed = v
	}
	strict := os.Getenv("THANHTOAN_LINEAR_STRICT") == "1"
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := newLedger(t, func() time.Time { return fixed })
	ctx := t.Context()
	var slowest time.Duration
	for r := range rounds {
		rs := seed + uint64(r)
		h := &linHistory{t: t, ctx: ctx, l: l, seed: rs, prefix: fmt.Sprintf("lin%d-%d/", seed%100000, r)}
		ops, ok := h.run()
		if !ok {
			return
		}
		start := time.Now()
		res, info := porcupine.CheckOperationsVerbose(linModel(strict), ops, time.Minute)
		slowest = max(slowest, time.Since(start))
		switch res {
		case porcupine.Ok:
			continue
		case porcupine.Unknown:
			t.Fatalf("round %d (THANHTOAN_LINEAR_SEED=%d): porcupine found no answer in a minute (%d operations)", r, rs, len(ops))
		}
		dir := os.Getenv("THANHTOAN_LINEAR_DIR")
		if dir == "" {
			dir = t.TempDir()
		}
		path := filepath.Join(dir, fmt.Sprintf("linear-%d.html", rs))
		if err := porcupine.VisualizePath(linModel(strict), info, path); err != nil {
			t.Errorf("visualize: %v", err)
		}
		text := strings.TrimSuffix(path, ".html") + ".txt"
		if err := os.WriteFile(text, []byte(linStory(ops, info, strict)), 0o644); err != nil {
			t.Errorf("write the history: %v", err)
		}
		t.Fatalf("round %d: a history of %d operations is not linearizable (replay the operations with THANHTOAN_LINEAR_SEED=%d THANHTOAN_LINEAR_ROUNDS=1; the interleaving differs); visualization: %s; as text: %s",
			r, len(ops), rs, path, text)
	}
	t.Logf("%d linearizable histories; slowest check %v", rounds, slowest)
}

// Accounts of a history, by index: two system accounts, three wallets.
const (
	laSrc = iota // top-up source, may go negative
	laRev        // revenue
	laW0         // customer wallets (NoOverdraft)
	laW1
	laW2
	laN
)

var laNames = [laN]string{"src", "rev", "w0", "w1", "w2"}

const (
	linIDs   = 12 // transfer IDs in a history's pool
	linFund  = 8  // each wallet's balance at the start of a history
	linBatch = 2  // transfers in a batch
)

// linAmounts are the amounts transfers take: small beside the wallets'
// balances, so that overdraft checks conflict.
var linAmounts = [...]int64{1, 2, 3, 5}

// lOp is one transfer as the generator made it. Its fields are its contents:
// two lOps with the same id and other fields are an idempotency conflict.
type lOp struct {
	id            uint8 // index in the history's ID pool
	kind          wallet.Kind
	debit, credit uint8 // account indexes, for posts and holds
	amount        int64 // units; for a commit, zero means the whole hold
	upTo, timeout bool  // a hold's UpTo, and a one-hour Timeout
	hold          uint8 // the hold a commit or void resolves
	ref           uint8 // Reference variant
}

type lCall uint8

const (
	lcPost lCall = iota
	lcLookup
	lcBalance
)

// lInput is one call.
type lInput struct {
	call lCall
	ops  [linBatch]lOp // Post: ops[:n]
	n    int
	id   uint8 // Lookup
	acc  uint8 // Balance
}

// Error classes: the sentinel an error matches (errors.Is), the first of
// this table that it does. lcNone is success; lcOther an unclassified error.
const (
	lcNone = iota
	lcConflict
	lcFunds
	lcExpired
	lcResolved
	lcHoldNotFound
	lcAccountNotFound
	lcCurrency
	lcExceeds
	lcInvalidTransfer
	lcInvalidAmount
	lcNotFound
	lcOther
)

var lErrs = [...]error{lcConflict: wallet.ErrIdempotencyConflict, lcFunds: wallet.ErrInsufficientFunds,
	lcExpired: wallet.ErrHoldExpired, lcResolved: wallet.ErrHoldResolved, lcHoldNotFound: wallet.ErrHoldNotFound,
	lcAccountNotFound: wallet.ErrAccountNotFound, lcCurrency: wallet.ErrCurrencyMismatch, lcExceeds: wallet.ErrExceedsHold,
	lcInvalidTransfer: wallet.ErrInvalidTransfer, lcInvalidAmount: wallet.ErrInvalidAmount, lcNotFound: wallet.ErrTransferNotFound}

func lClass(err error) uint8 {
	if err == nil {
		return lcNone
	}
	for c, s := range lErrs {
		if s != nil && errors.Is(err, s) {
			return uint8(c)
		}
	}
	return lcOther
}

// lRes is what a call returned about one transfer.
type lRes struct {
	amount        int64
	existed       bool
	status        wallet.Status
	debit, credit uint8
}

// lOutput is what a call returned. It is comparable: an observed output is
// legal when it equals one the model gives.
type lOutput struct {
	err     uint8 // error class
	at      int   // Post: index of the failing transfer
	existed bool  // Post: the failure is a recorded one (TransferError.Existed)
	avail   int64 // Post: InsufficientFundsError.Available
	res     [linBatch]lRes
	bal     [4]int64 // Balance: debits posted, credits posted, debits pending, credits pending
}

// lRec is what the model recorded for a transfer ID.
type lRec struct {
	set    bool
	op     lOp   // contents first posted
	err    uint8 // failure class, or lcNone
	amount int64 // what moved or is held; for a failure for want of funds, the available balance it reported
	status wallet.Status
	// pending marks a failure whose record may not have landed yet (the
	// second known deviation, see TestLinearizable): an operation may find
	// the ID recorded (then for good) or not yet.
	pending bool
}

// lState is the sequential ledger: balances and the outcome of each ID.
// It is a comparable value, copied by Step.
type lState struct {
	bal  [laN][4]int64
	recs [linIDs]lRec
}

func (s *lState) avail(a uint8) int64 { return s.bal[a][1] - s.bal[a][0] - s.bal[a][2] }

func noOverdraft(a uint8) bool { return a >= laW0 }

// lCand is one outcome the model allows, and the state after it.
type lCand struct {
	out  lOutput
	next lState
}

// post applies a batch to s, from the contract: static refusals record
// nothing; transfers apply in order on a copy; a replayed ID returns its
// first result or its recorded failure; another content under a recorded ID
// is a conflict; the first business failure undoes the batch and records
// only the failing ID. Where the contract leaves the order of two checks
// open (a commit above the hold's amount of a hold already resolved), both
// outcomes are allowed.
func (s lState) post(ops []lOp, strict bool) []lCand {
	if len(ops) == 2 {
		resolves := func(i, j int) bool {
			return (ops[i].kind == wallet.KindCommit || ops[i].kind == wallet.KindVoid) && ops[i].hold == ops[j].id
		}
		switch {
		case ops[0].id == ops[1].id, resolves(1, 0):
			return []lCand{{out: lOutput{err: lcInvalidTransfer, at: 1}, next: s}}
		case resolves(0, 1):
			return []lCand{{out: lOutput{err: lcInvalidTransfer, at: 0}, next: s}}
		}
	}
	w := s
	var out lOutput
	for i, op := range ops {
		if r := w.recs[op.id]; r.set {
			if r.op != op {
				return []lCand{{out: lOutput{err: lcConflict, at: i}, next: s}}
			}
			if r.err != lcNone {
				cs := []lCand{{out: lOutput{err: r.err, at: i, existed: true, avail: r.amount}, next: s}}
				if r.err == lcHoldNotFound {
					if h := w.recs[op.hold]; h.set && h.err == lcNone && h.op.kind == wallet.KindHold {
						// The contract's exception (see TestLedger's
						// FailedCommitReplay): a replay's contents are filled
						// from its hold, which did not exist when the failure
						// was recorded.
						cs = append(cs, lCand{out: lOutput{err: lcConflict, at: i}, next: s})
					}
				}
				return cs
			}
			out.res[i] = lRes{amount: r.amount, existed: true, status: w.recs[op.id].status, debit: r.op.debit, credit: r.op.credit}
			if op.kind == wallet.KindCommit || op.kind == wallet.KindVoid {
				hr := w.recs[op.hold]
				out.res[i].debit, out.res[i].credit = hr.op.debit, hr.op.credit
			}
			continue
		}
		fail := func(classes ...uint8) []lCand {
			var cs []lCand
			for _, c := range classes {
				o := lOutput{err: c, at: i}
				if c == lcFunds {
					o.avail = w.avail(op.debit)
				}
				n := s
				n.recs[op.id] = lRec{set: true, op: op, err: c, amount: o.avail, pending: !strict}
				cs = append(cs, lCand{out: o, next: n})
			}
			return cs
		}
		switch op.kind {
		case wallet.KindPost, wallet.KindHold:
			amt := op.amount
			if noOverdraft(op.debit) {
				a := w.avail(op.debit)
				if op.upTo && a > 0 {
					amt = min(amt, a)
				}
				if a < amt {
					return fail(lcFunds)
				}
			}
			st := wallet.StatusNone
			if op.kind == wallet.KindPost {
				w.bal[op.debit][0] += amt
				w.bal[op.credit][1] += amt
			} else {
				st = wallet.StatusPending
				w.bal[op.debit][2] += amt
				w.bal[op.credit][3] += amt
			}
			w.recs[op.id] = lRec{set: true, op: op, amount: amt, status: st}
			out.res[i] = lRes{amount: amt, status: st, debit: op.debit, credit: op.credit}
		case wallet.KindCommit, wallet.KindVoid:
			h := w.recs[op.hold]
			if !h.set || h.err != lcNone || h.op.kind != wallet.KindHold {
				return fail(lcHoldNotFound)
			}
			exceeds := op.kind == wallet.KindCommit && op.amount > h.amount
			switch {
			case h.status != wallet.StatusPending && exceeds:
				return fail(lcResolved, lcExceeds)
			case h.status != wallet.StatusPending:
				return fail(lcResolved)
			case exceeds:
				return fail(lcExceeds)
			}
			d, c := h.op.debit, h.op.credit
			w.bal[d][2] -= h.amount
			w.bal[c][3] -= h.amount
			amt, st := h.amount, wallet.StatusVoided
			if op.kind == wallet.KindCommit {
				st = wallet.StatusCommitted
				if op.amount > 0 {
					amt = op.amount
				}
				w.bal[d][0] += amt
				w.bal[c][1] += amt
			}
			h.status = st
			w.recs[op.hold] = h
			w.recs[op.id] = lRec{set: true, op: op, amount: amt}
			out.res[i] = lRes{amount: amt, debit: d, credit: c}
		}
	}
	return []lCand{{out: out, next: w}}
}

// lVariant is a state in which each pending failure record of some IDs
// has landed (for good) or not yet (set aside, to be put back).
type lVariant struct {
	state lState
	aside []uint8 // IDs whose pending record was set aside
	recs  []lRec
}

// restore puts back into next the pending records set aside that the
// operation did not replace.
func (v lVariant) restore(next lState) lState {
	for i, id := range v.aside {
		if !next.recs[id].set {
			next.recs[id] = v.recs[i]
		}
	}
	return next
}

// variants returns the states s may be in for ids: every combination of
// their pending failure records landed or not yet.
func (s lState) variants(ids []uint8) []lVariant {
	vs := []lVariant{{state: s}}
	for _, id := range ids {
		r := s.recs[id]
		if !r.set || !r.pending {
			continue
		}
		var next []lVariant
		for _, v := range vs {
			if !v.state.recs[id].pending {
				next = append(next, v) // the same ID twice in a batch
				continue
			}
			landed := v
			landed.state.recs[id].pending = false
			absent := v
			absent.state.recs[id] = lRec{}
			absent.aside = append(append([]uint8(nil), v.aside...), id)
			absent.recs = append(append([]lRec(nil), v.recs...), r)
			next = append(next, landed, absent)
		}
		vs = next
	}
	return vs
}

func (s lState) lookup(id uint8) lOutput {
	r := s.recs[id]
	switch {
	case !r.set:
		return lOutput{err: lcNotFound}
	case r.err != lcNone:
		return lOutput{err: r.err}
	}
	d, c := r.op.debit, r.op.credit
	if r.op.kind == wallet.KindCommit || r.op.kind == wallet.KindVoid {
		h := s.recs[r.op.hold]
		d, c = h.op.debit, h.op.credit
	}
	return lOutput{res: [linBatch]lRes{{amount: r.amount, existed: true, status: r.status, debit: d, credit: c}}}
}

func lInit() lState {
	var s lState
	for a := uint8(laW0); a < laN; a++ {
		s.bal[a][1] = linFund
		s.bal[laSrc][0] += linFund
	}
	return s
}

// linModel is the sequential specification porcupine checks histories against.
func linModel(strict bool) porcupine.Model {
	seed := maphash.MakeSeed()
	return porcupine.Model{
		Init: func() any { return lInit() },
		Step: func(state, input, output any) (bool, any) {
			s, in, out := state.(lState), input.(lInput), output.(lOutput)
			if in.call == lcBalance {
				return lOutput{bal: s.bal[in.acc]} == out, s
			}
			ids := []uint8{in.id}
			if in.call == lcPost {
				ids = ids[:0]
				for _, op := range in.ops[:in.n] {
					ids = append(ids, op.id)
				}
			}
			for _, v := range s.variants(ids) {
				if in.call == lcLookup {
					if v.state.lookup(in.id) == out {
						return true, v.restore(v.state)
					}
					continue
				}
				for _, c := range v.state.post(in.ops[:in.n], strict) {
					if c.out == out {
						return true, v.restore(c.next)
					}
				}
			}
			return false, s
		},
		Equal: func(a, b any) bool { return a.(lState) == b.(lState) },
		Hash:  func(s any) uint64 { return maphash.Comparable(seed, s.(lState)) },
		DescribeOperation: func(input, output any) string {
			return describeCall(input.(lInput)) + " -> " + describeOutput(input.(lInput), output.(lOutput))
		},
		DescribeState: func(state any) string { return describeState(state.(lState)) },
	}
}

func describeOp(o lOp) string {
	switch o.kind {
	case wallet.KindCommit:
		return fmt.Sprintf("x%d=commit(x%d, %d)", o.id, o.hold, o.amount)
	case wallet.KindVoid:
		return fmt.Sprintf("x%d=void(x%d)", o.id, o.hold)
	}
	s := fmt.Sprintf("x%d=%s(%s->%s, %d", o.id, o.kind, laNames[o.debit], laNames[o.credit], o.amount)
	if o.upTo {
		s += ", upto"
	}
	if o.timeout {
		s += ", 1h"
	}
	if o.ref != 0 {
		s += fmt.Sprintf(", ref%d", o.ref)
	}
	return s + ")"
}

func describeCall(in lInput) string {
	switch in.call {
	case lcLookup:
		return fmt.Sprintf("Lookup(x%d)", in.id)
	case lcBalance:
		return fmt.Sprintf("Balance(%s)", laNames[in.acc])
	}
	var parts []string
	for _, o := range in.ops[:in.n] {
		parts = append(parts, describeOp(o))
	}
	return "Post(" + strings.Join(parts, ", ") + ")"
}

var lClassNames = [...]string{lcNone: "ok", lcConflict: "conflict", lcFunds: "insufficient funds", lcExpired: "hold expired",
	lcResolved: "hold resolved", lcHoldNotFound: "hold not found", lcAccountNotFound: "account not found",
	lcCurrency: "currency mismatch", lcExceeds: "exceeds hold", lcInvalidTransfer: "invalid transfer",
	lcInvalidAmount: "invalid amount", lcNotFound: "not found", lcOther: "unclassified error"}

func describeOutput(in lInput, o lOutput) string {
	switch {
	case in.call == lcBalance:
		return fmt.Sprintf("posted %d pending %d (dp %d cp %d dq %d cq %d)", o.bal[1]-o.bal[0], o.bal[2], o.bal[0], o.bal[1], o.bal[2], o.bal[3])
	case o.err != lcNone:
		s := lClassNames[o.err]
		if in.call == lcPost {
			s += fmt.Sprintf(" at %d", o.at)
		}
		if o.existed {
			s += " (recorded)"
		}
		if o.err == lcFunds && in.call == lcPost {
			s += fmt.Sprintf(" (available %d)", o.avail)
		}
		return s
	}
	n := in.n
	if in.call == lcLookup {
		n = 1
	}
	var parts []string
	for _, r := range o.res[:n] {
		s := fmt.Sprintf("%d", r.amount)
		if r.status != wallet.StatusNone {
			s += " " + r.status.String()
		}
		if r.existed {
			s += " existed"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func describeState(s lState) string {
	var b strings.Builder
	for a := range laN {
		fmt.Fprintf(&b, "%s: posted %d pending %d; ", laNames[a], s.bal[a][1]-s.bal[a][0], s.bal[a][2])
	}
	for id, r := range s.recs {
		if !r.set {
			continue
		}
		fmt.Fprintf(&b, "x%d: ", id)
		if r.err != lcNone {
			fmt.Fprintf(&b, "failed %s; ", lClassNames[r.err])
			continue
		}
		fmt.Fprintf(&b, "%d", r.amount)
		if r.status != wallet.StatusNone {
			fmt.Fprintf(&b, " %s", r.status)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// linHistory runs one history on a ledger.
type linHistory struct {
	t      *testing.T
	ctx    context.Context
	l      wallet.Ledger
	seed   uint64
	prefix string // of this history's account and transfer IDs
}

func (h *linHistory) acc(a uint8) string { return h.prefix + laNames[a] }

func (h *linHistory) transfer(o lOp) wallet.Transfer {
	tr := wallet.Transfer{ID: fmt.Sprintf("%sx%d", h.prefix, o.id), Kind: o.kind}
	switch o.kind {
	case wallet.KindCommit, wallet.KindVoid:
		tr.HoldID = fmt.Sprintf("%sx%d", h.prefix, o.hold)
		if o.amount > 0 {
			tr.Amount = decimal.NewFromInt(o.amount)
		}
	default:
		tr.Debit, tr.Credit = h.acc(o.debit), h.acc(o.credit)
		tr.Amount, tr.Currency = decimal.NewFromInt(o.amount), wallet.VND
		tr.UpTo = o.upTo
		if o.timeout {
			tr.Timeout = time.Hour
		}
	}
	if o.ref != 0 {
		tr.Reference = fmt.Sprintf("ref%d", o.ref)
	}
	return tr
}

// script draws the pool of transfers and each client's calls.
func (h *linHistory) script() [][]lInput {
	rng := rand.New(rand.NewPCG(h.seed, h.seed^0x5851f42d4c957f2d))
	amount := func() int64 { return linAmounts[rng.IntN(len(linAmounts))] }
	pickWallet := func() uint8 { return uint8(laW0 + rng.IntN(laN-laW0)) }
	var pool [linIDs]lOp
	var holds []uint8
	for i := range pool {
		o := lOp{id: uint8(i)}
		k := rng.IntN(10)
		if len(holds) == 0 && k >= 7 {
			k = 5
		}
		switch {
		case k < 2: // top-up
			o.debit, o.credit, o.amount = laSrc, pickWallet(), amount()
		case k < 4: // payment, or wallet to wallet
			o.debit, o.credit, o.amount = pickWallet(), laRev, amount()
			if rng.IntN(3) == 0 {
				o.credit = pickWallet()
				if o.credit == o.debit {
					o.credit = laRev
				}
			}
		case k < 7: // hold
			o.kind, o.debit, o.credit, o.amount = wallet.KindHold, pickWallet(), laRev, amount()
			o.upTo, o.timeout = rng.IntN(2) == 0, rng.IntN(3) == 0
			holds = append(holds, o.id)
		default: // commit (full or part) or void
			o.kind, o.hold = wallet.KindCommit, holds[rng.IntN(len(holds))]
			switch rng.IntN(3) {
			case 0:
				o.kind = wallet.KindVoid
			case 1:
				o.amount = 1 + rng.Int64N(pool[o.hold].amount)
			}
		}
		pool[i] = o
	}
	pick := func() lOp {
		o := pool[rng.IntN(len(pool))]
		if rng.IntN(10) == 0 { // the same ID with other contents
			o.ref++
		}
		return o
	}
	clients := 4 + rng.IntN(3)
	perClient := 8 + rng.IntN(5)
	calls := make([][]lInput, clients)
	for c := range calls {
		for range perClient {
			var in lInput
			switch k := rng.IntN(20); {
			case k < 3:
				in = lInput{call: lcBalance, acc: uint8(rng.IntN(laN))}
			case k < 5:
				in = lInput{call: lcLookup, id: uint8(rng.IntN(linIDs))}
			case k < 7:
				in = lInput{call: lcPost, n: 2}
				in.ops[0], in.ops[1] = pick(), pick()
			default:
				in = lInput{call: lcPost, n: 1}
				in.ops[0] = pick()
			}
			calls[c] = append(calls[c], in)
		}
	}
	return calls
}

// setUp creates the history's accounts and funds the wallets.
func (h *linHistory) setUp() {
	t := h.t
	var accs []wallet.Account
	for a := range uint8(laN) {
		ac := wallet.Account{ID: h.acc(a), Currency: wallet.VND}
		if noOverdraft(a) {
			ac.Flags = wallet.NoOverdraft
		}
		accs = append(accs, ac)
	}
	if err := h.l.CreateAccounts(h.ctx, accs...); err != nil {
		t.Fatalf("CreateAccounts: %v", err)
	}
	var fund []wallet.Transfer
	for a := uint8(laW0); a < laN; a++ {
		fund = append(fund, wallet.Transfer{ID: h.prefix + "fund/" + laNames[a], Debit: h.acc(laSrc), Credit: h.acc(a),
			Amount: decimal.NewFromInt(linFund), Currency: wallet.VND})
	}
	if _, err := h.l.Post(h.ctx, fund...); err != nil {
		t.Fatalf("fund: %v", err)
	}
}

// run sets the history up, runs the clients at once and returns the
// operations, or false when the test failed.
func (h *linHistory) run() ([]porcupine.Operation, bool) {
	t := h.t
	h.setUp()
	calls := h.script()
	hist := make([][]porcupine.Operation, len(calls))
	var wg sync.WaitGroup
	startGate := make(chan struct{})
	start := time.Now() // monotonic: time.Since reads the monotonic clock
	var errMu sync.Mutex
	var unexplained []string
	for c, cs := range calls {
		wg.Go(func() {
			<-startGate
			for _, in := range cs {
				call := time.Since(start).Nanoseconds()
				out, err := h.do(in)
				ret := time.Since(start).Nanoseconds()
				if err != nil {
					errMu.Lock()
					unexplained = append(unexplained, fmt.Sprintf("%s: %v", describeCall(in), err))
					errMu.Unlock()
				}
				hist[c] = append(hist[c], porcupine.Operation{ClientId: c, Input: in, Output: out, Call: call, Return: ret})
			}
		})
	}
	close(startGate)
	wg.Wait()
	if len(unexplained) > 0 {
		t.Fatalf("history seed %d: errors outside the contract:\n%s", h.seed, strings.Join(unexplained, "\n"))
		return nil, false
	}
	return slices.Concat(hist...), true
}

// do makes one call and maps what it returned to an lOutput; the error is
// set for what the model cannot judge (an unclassified error, a result that
// names an unknown account).
func (h *linHistory) do(in lInput) (lOutput, error) {
	var out lOutput
	accIndex := func(id string) (uint8, error) {
		for a := range uint8(laN) {
			if h.acc(a) == id {
				return a, nil
			}
		}
		return 0, fmt.Errorf("result names account %q", id)
	}
	units := func(r wallet.Result) (lRes, error) {
		u, err := lUnits(r.Transfer.Amount)
		if err != nil {
			return lRes{}, err
		}
		d, err := accIndex(r.Transfer.Debit)
		if err != nil {
			return lRes{}, err
		}
		c, err := accIndex(r.Transfer.Credit)
		if err != nil {
			return lRes{}, err
		}
		return lRes{amount: u, existed: r.Existed, status: r.Status, debit: d, credit: c}, nil
	}
	switch in.call {
	case lcBalance:
		b, err := h.l.Balance(h.ctx, h.acc(in.acc))
		if err != nil {
			return lOutput{err: lClass(err)}, err
		}
		for i, v := range []decimal.Decimal{b.DebitsPosted, b.CreditsPosted, b.DebitsPending, b.CreditsPending} {
			u, err := lUnits(v)
			if err != nil {
				return out, err
			}
			out.bal[i] = u
		}
		return out, nil
	case lcLookup:
		r, err := h.l.Lookup(h.ctx, fmt.Sprintf("%sx%d", h.prefix, in.id))
		if err != nil {
			out.err = lClass(err)
			if out.err == lcOther {
				return out, err
			}
			return out, nil
		}
		out.res[0], err = units(r)
		return out, err
	}
	ts := make([]wallet.Transfer, in.n)
	for i, o := range in.ops[:in.n] {
		ts[i] = h.transfer(o)
	}
	res, err := h.l.Post(h.ctx, ts...)
	if err != nil {
		out.err = lClass(err)
		var te *wallet.TransferError
		if out.err == lcOther || !errors.As(err, &te) {
			return out, err
		}
		out.at = te.Index
		out.existed = te.Existed && out.err != lcConflict
		var fe *wallet.InsufficientFundsError
		if errors.As(err, &fe) {
			if out.avail, err = lUnits(fe.Available); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	if len(res) != in.n {
		return out, fmt.Errorf("%d results for %d transfers", len(res), in.n)
	}
	for i, r := range res {
		if out.res[i], err = units(r); err != nil {
			return out, err
		}
	}
	return out, nil
}

// lUnits converts a VND amount (whole dong, of any sign) to an int64.
func lUnits(d decimal.Decimal) (int64, error) {
	u := d.IntPart()
	if !decimal.NewFromInt(u).Equal(d) {
		return 0, fmt.Errorf("amount %s is not a whole number of dong", d)
	}
	return u, nil
}

// linStory tells a history that porcupine could not linearize: every
// operation by call time, then the longest partial linearization found,
// with the model's state after each step, and the operations it could not
// place after it.
func linStory(ops []porcupine.Operation, info porcupine.LinearizationInfo, strict bool) string {
	var b strings.Builder
	byCall := slices.Clone(ops)
	slices.SortFunc(byCall, func(x, y porcupine.Operation) int { return int(x.Call - y.Call) })
	desc := func(o porcupine.Operation) string {
		return describeCall(o.Input.(lInput)) + " -> " + describeOutput(o.Input.(lInput), o.Output.(lOutput))
	}
	b.WriteString("operations by call time (ns since the start; client):\n")
	for _, o := range byCall {
		fmt.Fprintf(&b, "  [%d, %d] c%d %s\n", o.Call, o.Return, o.ClientId, desc(o))
	}
	var longest []porcupine.Operation
	for _, part := range info.PartialLinearizationsOperations() {
		for _, lin := range part {
			if len(lin) > len(longest) {
				longest = lin
			}
		}
	}
	m := linModel(strict)
	st := m.Init()
	fmt.Fprintf(&b, "\nlongest partial linearization (%d of %d operations), from %s\n", len(longest), len(ops), describeState(st.(lState)))
	placed := map[porcupine.Operation]bool{}
	for _, o := range longest {
		_, st = m.Step(st, o.Input, o.Output)
		placed[o] = true
		fmt.Fprintf(&b, "  c%d %s\n      => %s\n", o.ClientId, desc(o), describeState(st.(lState)))
	}
	b.WriteString("\nnot placed:\n")
	for _, o := range byCall {
		if !placed[o] {
			fmt.Fprintf(&b, "  [%d, %d] c%d %s\n", o.Call, o.Return, o.ClientId, desc(o))
		}
	}
	return b.String()
}
