package vtcpay

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Currency is a checkout currency. VTC Pay takes VND and USD.
type Currency string

const (
	VND Currency = "VND" // Vietnamese dong: whole amounts only
	USD Currency = "USD" // US dollar: at most 2 decimals
)

// Language is the language of VTC Pay's hosted page.
type Language string

const (
	Vietnamese Language = "vi" // VTC Pay's default
	English    Language = "en"
)

// PaymentRequest is one order sent to VTC Pay's hosted checkout page: every
// field of the integration document's table. Amount, Currency and
// ReferenceNumber are required; empty optional fields are not sent.
type PaymentRequest struct {
	Amount          decimal.Decimal // > 0; whole dong for VND, at most 2 decimals for USD
	Currency        Currency        // VND or USD
	ReferenceNumber string          // the merchant's unique order reference, 1-30 of [A-Za-z0-9_.-]
	// ReturnURL is where VTC Pay sends the payer back (url_return). Empty:
	// the website's registered "Url Receiving", which then gets the payer's
	// GET as well as the notification's POST (see IPNHandler). Build it from
	// your own configuration, never from a request's query string.
	ReturnURL   string
	PaymentType BankCode // a code of the bank table (e.g. BankVTCPay, BankDomestic); empty lets the payer choose
	Language    Language // vi (default) or en
	CustomerID  string   // lets the payer save a card link for later payments (up to 50 characters)

	BillToAddress     string      // up to 100 characters
	BillToAddressCity string      // up to 100
	BillToEmail       string      // up to 100
	BillToForename    string      // up to 50, e.g. "Hung"
	BillToPhone       string      // up to 30
	BillToSurname     string      // up to 50, e.g. "Nguyen Van"
	Country           CountryCode // a code of the country table
	State             StateCode   // a US or Canadian state code; needs Country US or CA
	Postcode          string      // up to 50
	TransactionType   string      // "sale", VTC Pay's default and only documented value
}

// CheckoutURL validates req, signs it and returns the URL of VTC Pay's
// checkout page to redirect the payer's browser to.
//
// The signature is the uppercase hex SHA-256 of the values of every parameter
// sent (not signature), ordered by parameter name, joined with "|", then "|"
// and the website secret key. Values are signed as they are, the URL is
// percent-encoded afterwards.
func (c *Client) CheckoutURL(req PaymentRequest) (string, error) {
	var buf [numParams]signing.Param
	params, err := c.checkoutParams(&req, buf[:0])
	if err != nil {
		return "", err
	}
	sig := c.sign(params)
	base := c.CheckoutPageURL()
	var b strings.Builder
	b.Grow(len(base) + 1 + 64 + 11 + 40*len(params))
	b.WriteString(base)
	b.WriteByte('?')
	for _, p := range params {
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
		b.WriteByte('&')
	}
	b.WriteString("signature=")
	b.WriteString(sig)
	return b.String(), nil
}

// CanonicalString returns the string CheckoutURL signs for req, with the
// secret key shown as REDACTED: a debug view for "wrong signature" reports.
func (c *Client) CanonicalString(req PaymentRequest) (string, error) {
	var buf [numParams]signing.Param
	params, err := c.checkoutParams(&req, buf[:0])
	if err != nil {
		return "", err
	}
	return signing.JoinSorted("|", params) + "|" + signing.Redacted, nil
}

// sign returns the uppercase hex SHA-256 of the sorted params' values joined
// with "|", then "|" and the secret.
func (c *Client) sign(sorted []signing.Param) string {
	var buf [768]byte
	msg := signing.AppendJoinSorted(buf[:0], "|", sorted)
	msg = append(msg, '|')
	msg = append(msg, c.secret...)
	d := signing.SHA256(string(msg))
	return signing.Hex(signing.Upper, d[:])
}

// numParams is the number of checkout parameters, signature excluded.
const numParams = 19

// checkoutParams validates req and appends its non-empty parameters to dst in
// signing order.
func (c *Client) checkoutParams(req *PaymentRequest, dst []signing.Param) ([]signing.Param, error) {
	amount, err := FormatAmount(req.Amount, req.Currency)
	if err != nil {
		return nil, err
	}
	if err := checkReference(req.ReferenceNumber); err != nil {
		return nil, err
	}
	if req.ReturnURL != "" {
		if err := checkReturnURL(req.ReturnURL); err != nil {
			return nil, err
		}
	}
	if req.PaymentType != "" && !req.PaymentType.Valid() {
		return nil, &FieldError{"payment_type", fmt.Sprintf("%q is not a VTC Pay bank code", string(req.PaymentType))}
	}
	switch req.Language {
	case "", Vietnamese, English:
	default:
		return nil, &FieldError{"language", `must be "vi" or "en"`}
	}
	if req.Country != "" && !req.Country.Valid() {
		return nil, &FieldError{"country", fmt.Sprintf("%q is not a country code of VTC Pay's table", string(req.Country))}
	}
	if req.State != "" && !req.State.ValidFor(req.Country) {
		return nil, &FieldError{"state", fmt.Sprintf("%q is not a state code of country %q", string(req.State), string(req.Country))}
	}
	if req.TransactionType != "" && req.TransactionType != "sale" {
		return nil, &FieldError{"transaction_type", `only "sale" is documented`}
	}
	if req.BillToEmail != "" && (!strings.Contains(req.BillToEmail, "@") || strings.ContainsAny(req.BillToEmail, " <>")) {
		return nil, &FieldError{"bill_to_email", "not an email address"}
	}
	texts := [...]struct {
		name, value string
		max         int
	}{
		{"bill_to_address", req.BillToAddress, 100},
		{"bill_to_address_city", req.BillToAddressCity, 100},
		{"bill_to_email", req.BillToEmail, 100},
		{"bill_to_forename", req.BillToForename, 50},
		{"bill_to_phone", req.BillToPhone, 30},
		{"bill_to_surname", req.BillToSurname, 50},
		{"customerID", req.CustomerID, 50},
		{"postcode", req.Postcode, 50},
	}
	for _, t := range texts {
		if t.value != "" && !isPlainValue(t.value, t.max) {
			return nil, &FieldError{t.name, fmt.Sprintf("must be at most %d printable characters without '|'", t.max)}
		}
	}
	// Every parameter, in byte order of its name: the order VTC Pay signs
	// them in (a test checks the order).
	all := [numParams]signing.Param{
		{Key: "amount", Value: amount},
		{Key: "bill_to_address", Value: req.BillToAddress},
		{Key: "bill_to_address_city", Value: req.BillToAddressCity},
		{Key: "bill_to_email", Value: req.BillToEmail},
		{Key: "bill_to_forename", Value: req.BillToForename},
		{Key: "bill_to_phone", Value: req.BillToPhone},
		{Key: "bill_to_surname", Value: req.BillToSurname},
		{Key: "country", Value: string(req.Country)},
		{Key: "currency", Value: string(req.Currency)},
		{Key: "customerID", Value: req.CustomerID},
		{Key: "language", Value: string(req.Language)},
		{Key: "payment_type", Value: string(req.PaymentType)},
		{Key: "postcode", Value: req.Postcode},
		{Key: "receiver_account", Value: c.cfg.ReceiverAccount},
		{Key: "reference_number", Value: req.ReferenceNumber},
		{Key: "state", Value: string(req.State)},
		{Key: "transaction_type", Value: req.TransactionType},
		{Key: "url_return", Value: req.ReturnURL},
		{Key: "website_id", Value: c.websiteID},
	}
	for _, p := range all {
		if p.Value != "" {
			dst = append(dst, p)
		}
	}
	return dst, nil
}

func checkReference(ref string) error {
	if ref == "" {
		return &FieldError{"reference_number", "required"}
	}
	if len(ref) > 30 {
		return &FieldError{"reference_number", "longer than 30 characters"}
	}
	for i := 0; i < len(ref); i++ {
		ch := ref[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.') {
			return &FieldError{"reference_number", "only letters, digits, '-', '_' and '.' are allowed"}
		}
	}
	return nil
}

func checkReturnURL(raw string) error {
	if len(raw) > 1000 || !isPlainValue(raw, 1000) {
		return &FieldError{"url_return", "too long or holds '|' or control characters"}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		return &FieldError{"url_return", "must be an absolute http(s) url without fragment"}
	}
	return nil
}

// isPlainValue reports whether s is valid UTF-8 of at most max characters,
// with no control character and no '|' (the separator of the signed string:
// a '|' inside a value would let two different requests share a signature).
func isPlainValue(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if r == '|' || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// maxAmountDigits bounds an amount's integer digits, the most VTC Pay's
// answers (notifications, returns, status) are read with: a larger payment
// could be made but never settled, so it is not built.
const maxAmountDigits = 14

// FormatAmount returns amount as VTC Pay's amount parameter for currency:
// whole dong for VND ("150000"), two decimals for USD ("12.50"). Zero,
// negative or oversized amounts, fractional dong and sub-cent dollars are
// refused, never rounded.
func FormatAmount(amount decimal.Decimal, currency Currency) (string, error) {
	scale := int32(0)
	switch currency {
	case VND:
	case USD:
		scale = 2
	case "":
		return "", &FieldError{"currency", "required"}
	default:
		return "", &FieldError{"currency", fmt.Sprintf("%q is not accepted: VND or USD", string(currency))}
	}
	if !amount.IsPositive() {
		return "", &FieldError{"amount", "must be positive"}
	}
	minor := amount.Shift(scale)
	if !minor.IsInteger() {
		if scale == 0 {
			return "", &FieldError{"amount", "VND amounts are whole dong"}
		}
		return "", &FieldError{"amount", "USD amounts have at most 2 decimals"}
	}
	if !amount.LessThan(decimal.New(1, maxAmountDigits)) {
		return "", &FieldError{"amount", fmt.Sprintf("too large: VTC Pay's answers carry at most %d integer digits", maxAmountDigits)}
	}
	return amount.StringFixed(scale), nil
}
