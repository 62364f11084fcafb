package vivietpay

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// VND is the only currency Ví Việt's gateway takes.
const VND = "VND"

// Locale is the language of the gateway's pages.
type Locale string

// Locales. "vn" (not "vi") is what Ví Việt's public sample sends.
const (
	LocaleVietnamese Locale = "vn"
	LocaleEnglish    Locale = "en"
)

// Order is one payment to take through the gateway.
type Order struct {
	// OrderNo is the merchant's order number (order_no).
	OrderNo string
	// MerchTxnRef is the merchant's reference for this payment attempt
	// (merch_txn_ref), unique per attempt: the gateway refuses a reused one.
	MerchTxnRef string
	// Description is shown to the payer (order_desc).
	Description string
	// Amount in whole dong.
	Amount decimal.Decimal
	// Currency must be "VND" or empty (VND).
	Currency string
	// Locale of the gateway's pages; empty means Vietnamese.
	Locale Locale
	// ReturnURL receives the payer after the payment (absolute http(s)).
	ReturnURL string
	// CancelURL receives the payer after a cancel; empty means ReturnURL.
	CancelURL string
	// ClientIP is the payer's IP address (client_ip), optional.
	ClientIP string
	// Methods restricts the payment methods offered (methods), optional;
	// its values are Ví Việt's and passed as given.
	Methods string
	// BranchCode is the merchant's branch (branch_code), optional.
	BranchCode string
}

// vndAmount converts a decimal amount of dong to int64, refusing what is not
// a positive whole number that fits.
func vndAmount(d decimal.Decimal) (int64, error) {
	if d.Sign() <= 0 {
		return 0, fmt.Errorf("amount %s must be positive", d.String())
	}
	// Fast path: a whole number of at most 18 digits (what NewFromInt and
	// most parsed amounts are) fits in int64 as is.
	if d.Exponent() == 0 && d.NumDigits() <= 18 {
		return d.IntPart(), nil
	}
	if !d.Equal(d.Truncate(0)) {
		return 0, fmt.Errorf("amount %s is not a whole number of dong", d.String())
	}
	if !d.LessThan(decimal.New(1, maxAmountDigits)) {
		// parseWireAmount could not read it back from a result.
		return 0, fmt.Errorf("amount %s is too large: Ví Việt's results carry at most %d digits", d.String(), maxAmountDigits)
	}
	return d.IntPart(), nil
}

// parseWireAmount reads an amount as the gateway writes it: decimal digits
// of whole dong.
// maxAmountDigits bounds an amount's digits: what parseWireAmount reads
// (always below 2^63), and so what vndAmount builds.
const maxAmountDigits = 18

func parseWireAmount(s string) (int64, error) {
	if s == "" || len(s) > maxAmountDigits {
		return 0, fmt.Errorf("amount %q is not 1 to %d digits", s, maxAmountDigits)
	}
	// At most 18 digits: always below 2^63, so n cannot overflow.
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("amount %q is not a whole number of dong", s)
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, nil
}

// validToken reports whether s is 1..max characters of A-Z a-z 0-9 _ - .
func validToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validText reports whether s is valid UTF-8 of 1..max runes without
// control characters.
func validText(s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("is empty")
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid utf-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("is %d characters, at most %d", n, max)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("holds a control character")
	}
	return nil
}

func validURL(s string) error {
	if len(s) > 1024 {
		return fmt.Errorf("is longer than 1024 bytes")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) url", s)
	}
	return nil
}

// checkedOrder is an Order that passed validation, with its amount in dong.
type checkedOrder struct {
	Order
	amount int64
}

func (c *Client) checkOrder(op string, o Order) (checkedOrder, error) {
	bad := func(format string, args ...any) (checkedOrder, error) {
		return checkedOrder{}, errorf(op, ErrInvalidRequest, format, args...)
	}
	if !validToken(o.OrderNo, 50) {
		return bad("order number %q must be 1 to 50 characters of A-Z a-z 0-9 _ - .", o.OrderNo)
	}
	if !validToken(o.MerchTxnRef, 50) {
		return bad("merchant transaction reference %q must be 1 to 50 characters of A-Z a-z 0-9 _ - .", o.MerchTxnRef)
	}
	if err := validText(o.Description, 255); err != nil {
		return bad("description %v", err)
	}
	amount, err := vndAmount(o.Amount)
	if err != nil {
		return bad("%v", err)
	}
	switch o.Currency {
	case "":
		o.Currency = VND
	case VND:
	default:
		return bad("currency %q: only VND is supported", o.Currency)
	}
	switch o.Locale {
	case "":
		o.Locale = LocaleVietnamese
	case LocaleVietnamese, LocaleEnglish:
	default:
		return bad("locale %q: want %q or %q", o.Locale, LocaleVietnamese, LocaleEnglish)
	}
	if err := validURL(o.ReturnURL); err != nil {
		return bad("return url %v", err)
	}
	if o.CancelURL == "" {
		o.CancelURL = o.ReturnURL
	} else if err := validURL(o.CancelURL); err != nil {
		return bad("cancel url %v", err)
	}
	if o.ClientIP != "" {
		if _, err := netip.ParseAddr(o.ClientIP); err != nil {
			return bad("client ip %q is not an ip address", o.ClientIP)
		}
	}
	if o.Methods != "" && !validMethods(o.Methods) {
		return bad("methods %q must be A-Z a-z 0-9 _ - . separated by commas", o.Methods)
	}
	if o.BranchCode != "" && !validToken(o.BranchCode, 50) {
		return bad("branch code %q must be 1 to 50 characters of A-Z a-z 0-9 _ - .", o.BranchCode)
	}
	if c.protocol == V1 {
		// The v1 signed string joins values with "|": a value holding one
		// would be ambiguous.
		for name, v := range map[string]string{"description": o.Description, "return url": o.ReturnURL, "cancel url": o.CancelURL} {
			if strings.Contains(v, "|") {
				return bad("%s must not contain | under v1", name)
			}
		}
		// A v1 result's hash covers every parameter the payer comes back
		// with: a query of the merchant's own would be hashed too, and no
		// result could verify.
		for name, v := range map[string]string{"return url": o.ReturnURL, "cancel url": o.CancelURL} {
			if strings.ContainsAny(v, "?#") {
				return bad("%s must have no query or fragment under v1", name)
			}
		}
	}
	return checkedOrder{Order: o, amount: amount}, nil
}

func validMethods(s string) bool {
	for _, m := range strings.Split(s, ",") {
		if !validToken(m, 32) {
			return false
		}
	}
	return true
}

// orderParams are the order's parameters, in the order of the public v2
// sample's JSON. Optional ones are left out when empty, so that a v1 hash
// covers exactly what is sent.
func (c *Client) orderParams(o checkedOrder) []signing.Param {
	version := "1.0"
	if c.protocol == V2 {
		version = "2.0"
	}
	ps := []signing.Param{{Key: "version", Value: version}}
	if c.protocol == V1 {
		ps = append(ps, signing.Param{Key: pMerchantSite, Value: c.cfg.MerchantSite})
	}
	if c.cfg.AccessCode != "" {
		ps = append(ps, signing.Param{Key: "access_code", Value: c.cfg.AccessCode})
	}
	ps = append(ps,
		signing.Param{Key: "return_url", Value: o.ReturnURL},
		signing.Param{Key: "cancel_url", Value: o.CancelURL},
		signing.Param{Key: "merch_txn_ref", Value: o.MerchTxnRef},
	)
	if o.Methods != "" {
		ps = append(ps, signing.Param{Key: "methods", Value: o.Methods})
	}
	ps = append(ps,
		signing.Param{Key: "order_no", Value: o.OrderNo},
		signing.Param{Key: "order_desc", Value: o.Description},
		signing.Param{Key: "total_amount", Value: strconv.FormatInt(o.amount, 10)},
	)
	if o.BranchCode != "" {
		ps = append(ps, signing.Param{Key: "branch_code", Value: o.BranchCode})
	}
	if o.ClientIP != "" {
		ps = append(ps, signing.Param{Key: "client_ip", Value: o.ClientIP})
	}
	ps = append(ps,
		signing.Param{Key: "locale", Value: string(o.Locale)},
		signing.Param{Key: "currency", Value: o.Currency},
	)
	return ps
}

// CheckoutURL returns the gateway URL to send the payer to for o, signed in
// the client's protocol. It makes no network call.
func (c *Client) CheckoutURL(o Order) (string, error) {
	co, err := c.checkOrder("checkout", o)
	if err != nil {
		return "", err
	}
	params := c.orderParams(co)
	var v url.Values
	path := c.paths.CheckoutV1
	if c.protocol == V2 {
		path = c.paths.CheckoutV2
		v, _, err = c.sealV2(params)
		if err != nil {
			return "", wrapErr("checkout", ErrInvalidConfig, err, "cannot seal the order: "+err.Error())
		}
	} else {
		v = c.sealV1(params)
	}
	c.log.Debug("vivietpay: checkout url", "protocol", c.protocol.String(), "merch_txn_ref", co.MerchTxnRef, "amount", co.amount)
	return c.endpoint(path) + "?" + v.Encode(), nil
}
