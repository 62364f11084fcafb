package checkout

import (
	"hash/maphash"
	"time"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/internal/hashindex"
)

// orderTable holds the stored orders. Entries live in fixed-size chunks
// that never move, so that an *orderEntry stays valid and storing an
// order allocates nothing of its own; an open-addressing table of hash
// bits and entry indexes (internal/hashindex, as the wallet's memory
// ledger indexes its transfers) finds them by ID, usually reading one
// cache line of the table.
type orderTable struct {
	seed   maphash.Seed
	hashFn func(string) uint64 // tests only: instead of maphash
	ids    hashindex.Table
	n      uint32 // entries stored
	chunks [][]orderEntry
}

// orderChunk is the number of entries in a chunk (about 330 bytes each).
const orderChunk = 64

func newOrderTable() orderTable { return orderTable{seed: maphash.MakeSeed()} }

func (t *orderTable) hash(id string) uint64 {
	if t.hashFn != nil {
		return t.hashFn(id)
	}
	return maphash.String(t.seed, id)
}

// at returns the entry with index i.
func (t *orderTable) at(i uint32) *orderEntry { return &t.chunks[i/orderChunk][i%orderChunk] }

// get returns the stored order id, or nil.
func (t *orderTable) get(id string) *orderEntry { return t.find(t.hash(id), id) }

// find is get of id whose hash is h.
func (t *orderTable) find(h uint64, id string) *orderEntry {
	i, ok := t.ids.Find(h, func(i uint32) bool { return t.at(i).ID == id })
	if !ok {
		return nil
	}
	return t.at(i)
}

// add stores o, whose ID (hash h) find did not find, in a new entry; its
// line items and attempts as they are (the caller's copies).
func (t *orderTable) add(h uint64, o *Order) *orderEntry {
	i := t.n
	if i%orderChunk == 0 {
		t.chunks = append(t.chunks, make([]orderEntry, orderChunk))
	}
	t.n++
	e := t.at(i)
	e.idx = i
	e.pack(o)
	t.ids.Insert(h, i)
	return e
}

// orderEntry is a stored order, its SweepAt as indexed, and what the store
// keeps under IDs derived from the order's.
//
// The order is packed (see pack and order): the fields most orders leave
// empty live in a struct of their own allocated only for the orders that
// set them (rare), and the fields of a few known values (state, method,
// currency, language, provisioning) are one byte each. A store of orders
// that writes every order into fresh memory pays for each byte of it
// (BenchmarkCheckoutCredit measured 0.7 µs more per order with 256 bytes
// more per entry): this is about 330 bytes, where the whole Order is 456.
type orderEntry struct {
	ID, Customer, Email string
	Items               []LineItem
	Amount, CreditHeld  decimal.Decimal
	CreditTries         int
	CreditChecked       int
	CreatedAt           time.Time
	UpdatedAt           time.Time
	PaidAt              time.Time
	ExpiresAt           time.Time
	Version             int64
	rare                *orderRare

	state, method, currency, language, provision uint8 // codes: see enumCode
	flagged                                      bool

	swept    bool // sweepAt is set (in hours)
	invoiced bool // the invoice "<ID>/invoice" was added
	// note is the state of the notification "<ID>/<noteSuffix>": noteNone,
	// notePending (outbox sequence number noteSeq) or noteSent (its time
	// is in sentNotes).
	note       noteState
	idx        uint32 // in orderTable
	hourPos    uint32 // in hours[hourOf(sweepAt)], when swept
	sweepAt    time.Time
	noteSuffix string
	noteSeq    int64
	// invSeq is the Seq of the order's own invoice, while its line points
	// here (0: none, or a line of its own); invAt is that invoice's Time.
	invSeq int64
	invAt  time.Time
}

// orderRare holds the fields of an order that most orders leave empty,
// and the values of coded fields that are not in their tables.
type orderRare struct {
	Gateway        string
	GatewayAmount  decimal.Decimal
	Attempts       []Attempt
	PaidReference  string
	Payer          string
	ShareExpiresAt time.Time
	GatewayRefund  string
	Reason         string

	State     State
	Method    Method
	Currency  string
	Language  Language
	Provision ProvisionStatus
}

// The tables of coded fields: a value's code is its index; a value not in
// its table has code unknownCode and is kept in orderRare.
var (
	stateCodes     = [...]State{"", StateCreated, StateShared, StateAwaitingPayment, StatePaid, StateCompleted, StateCancelled, StateReview}
	methodCodes    = [...]Method{"", MethodCredit, MethodTopUpAndPay, MethodGateway, MethodOnBehalf}
	currencyCodes  = [...]string{"", "VND", "USD"}
	languageCodes  = [...]Language{"", Vietnamese, English}
	provisionCodes = [...]ProvisionStatus{ProvisionPending, ProvisionDone, ProvisionFailed}
)

const unknownCode = 0xff

// enumCode returns v's index in table, or unknownCode.
func enumCode[T ~string](table []T, v T) uint8 {
	for i, t := range table {
		if t == v {
			return uint8(i)
		}
	}
	return unknownCode
}

// enumValue is the value of code in table, or rare when it is unknownCode.
func enumValue[T ~string](table []T, code uint8, rare func() T) T {
	if code == unknownCode {
		return rare()
	}
	return table[code]
}

// pack stores o in e: its line items and attempts as they are (the caller
// gives the store's own copies). e's rare part is reused when o needs one.
func (e *orderEntry) pack(o *Order) {
	e.ID, e.Customer, e.Email, e.Items = o.ID, o.Customer, o.Email, o.Items
	e.Amount, e.CreditHeld, e.CreditTries, e.CreditChecked = o.Amount, o.CreditHeld, o.CreditTries, o.CreditChecked
	e.CreatedAt, e.UpdatedAt, e.PaidAt, e.ExpiresAt, e.Version = o.CreatedAt, o.UpdatedAt, o.PaidAt, o.ExpiresAt, o.Version
	e.flagged = o.Flagged
	e.state = enumCode(stateCodes[:], o.State)
	e.method = enumCode(methodCodes[:], o.Method)
	e.currency = enumCode(currencyCodes[:], o.Currency)
	e.language = enumCode(languageCodes[:], o.Language)
	e.provision = enumCode(provisionCodes[:], o.Provision)
	r := orderRare{Gateway: o.Gateway, GatewayAmount: o.GatewayAmount, Attempts: o.Attempts, PaidReference: o.PaidReference,
		Payer: o.Payer, ShareExpiresAt: o.ShareExpiresAt, GatewayRefund: o.GatewayRefund, Reason: o.Reason}
	if e.state == unknownCode {
		r.State = o.State
	}
	if e.method == unknownCode {
		r.Method = o.Method
	}
	if e.currency == unknownCode {
		r.Currency = o.Currency
	}
	if e.language == unknownCode {
		r.Language = o.Language
	}
	if e.provision == unknownCode {
		r.Provision = o.Provision
	}
	switch {
	case r.isZero():
		e.rare = nil
	case e.rare != nil:
		*e.rare = r
	default:
		e.rare = new(orderRare) // not &r: r would be on the heap for every order
		*e.rare = r
	}
}

// isZero reports whether r holds nothing: every field its zero value,
// exactly (a zero amount of another exponent, or a zero time in another
// location, is kept).
func (r *orderRare) isZero() bool {
	return r.Gateway == "" && r.GatewayAmount == (decimal.Decimal{}) && r.Attempts == nil && r.PaidReference == "" &&
		r.Payer == "" && r.ShareExpiresAt == (time.Time{}) && r.GatewayRefund == "" && r.Reason == "" &&
		r.State == "" && r.Method == "" && r.Currency == "" && r.Language == "" && r.Provision == ""
}

// order unpacks the stored order. Its line items and attempts are the
// stored ones: the caller copies what it must.
func (e *orderEntry) order() Order {
	o := Order{ID: e.ID, Customer: e.Customer, Email: e.Email, Items: e.Items, Amount: e.Amount, CreditHeld: e.CreditHeld,
		CreditTries: e.CreditTries, CreditChecked: e.CreditChecked, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		PaidAt: e.PaidAt, ExpiresAt: e.ExpiresAt, Version: e.Version, Flagged: e.flagged,
		State: e.State(), Method: e.Method(), Currency: e.Currency(), Language: e.Language(), Provision: e.Provision()}
	if r := e.rare; r != nil {
		o.Gateway, o.GatewayAmount, o.Attempts, o.PaidReference = r.Gateway, r.GatewayAmount, r.Attempts, r.PaidReference
		o.Payer, o.ShareExpiresAt, o.GatewayRefund, o.Reason = r.Payer, r.ShareExpiresAt, r.GatewayRefund, r.Reason
	}
	return o
}

// State is the stored order's State.
func (e *orderEntry) State() State {
	return enumValue(stateCodes[:], e.state, func() State { return e.rare.State })
}

// Method is the stored order's Method.
func (e *orderEntry) Method() Method {
	return enumValue(methodCodes[:], e.method, func() Method { return e.rare.Method })
}

// Currency is the stored order's Currency.
func (e *orderEntry) Currency() string {
	return enumValue(currencyCodes[:], e.currency, func() string { return e.rare.Currency })
}

// Language is the stored order's Language.
func (e *orderEntry) Language() Language {
	return enumValue(languageCodes[:], e.language, func() Language { return e.rare.Language })
}

// Provision is the stored order's Provision.
func (e *orderEntry) Provision() ProvisionStatus {
	return enumValue(provisionCodes[:], e.provision, func() ProvisionStatus { return e.rare.Provision })
}
