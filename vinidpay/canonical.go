package vinidpay

import (
	"strconv"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Endpoint paths. The oh-integration paths are the seed's; the
// merchant-integration paths are those VinID documents for all merchant APIs.
const (
	PathLinkWallet         = "/oh-integration/account/v1/link-wallet"
	PathLinkStatus         = "/oh-integration/account/v1/check-status-link-wallet"
	PathUnlinkWallet       = "/oh-integration/account/v1/unlink-wallet"
	PathCreateTransaction  = "/oh-integration/transaction/purchase/v1/online-transactions"
	PathConfirmTransaction = "/oh-integration/transaction/purchase/v1/online-transactions-confirm"
	PathConfirmOrder       = "/oh-integration/transaction/purchase/v1/confirmOrder"
	PathQueryOrder         = "/merchant-integration/v1/qr/query/" // + order id
	PathRefund             = "/merchant-integration/v1/refund"
)

// Header names VinID documents for every merchant API request.
const (
	HeaderKeyCode   = "X-Key-Code"
	HeaderTimestamp = "X-Timestamp"
	HeaderNonce     = "X-Nonce"
	HeaderSignature = "X-Signature"
	HeaderRequestID = "X-Request-ID"
)

// HeaderSigningString returns the string X-Signature signs:
//
//	{path};{method};{nonce};{timestamp};{key code};{body}
//
// path is the endpoint path without host or query, method is upper case,
// timestamp is unix seconds, and body is the exact bytes sent (empty for a
// GET, the last ';' stays). It is appended to dst, which may be nil.
func HeaderSigningString(dst []byte, path, method, nonce string, timestamp int64, keyCode string, body []byte) []byte {
	dst = append(dst, path...)
	dst = append(dst, ';')
	dst = append(dst, method...)
	dst = append(dst, ';')
	dst = append(dst, nonce...)
	dst = append(dst, ';')
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, ';')
	dst = append(dst, keyCode...)
	dst = append(dst, ';')
	dst = append(dst, body...)
	return dst
}

// The body of each oh-integration request, in the seed's field order, and
// the values its "signature" covers, in the seed's order, joined with '|'.

type linkWalletBody struct {
	Signature     string `json:"signature"`
	CallbackURL   string `json:"callback_url"`
	PartnerType   string `json:"partner_type"`
	PartnerCode   string `json:"partner_code"`
	PartnerUserID string `json:"partner_user_id"`
}

// sign(<partner_user_id>|<partner_code>|<callback_url>)
func (b *linkWalletBody) signingString() string {
	return signing.Join("|", b.PartnerUserID, b.PartnerCode, b.CallbackURL)
}

type linkStatusBody struct {
	Signature       string `json:"signature"`
	PartnerCode     string `json:"partner_code"`
	LinkReferenceID string `json:"link_reference_id"`

	// The seed signs partner_user_id and callback_url, which this body does
	// not carry: they are the values of the link-wallet request.
	partnerUserID string
	callbackURL   string
}

// sign(<partner_user_id>|<partner_code>|<callback_url>), exactly as the seed
// lists it for check-status-link-wallet.
func (b *linkStatusBody) signingString() string {
	return signing.Join("|", b.partnerUserID, b.PartnerCode, b.callbackURL)
}

type paymentRequestItem struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

type createTransactionBody struct {
	Signature                  string               `json:"signature"`
	HoldingEnabled             bool                 `json:"holding_enabled"`
	InvoiceNo                  string               `json:"invoice_no"`
	PaymentRequestList         []paymentRequestItem `json:"payment_request_list"`
	BillAmount                 string               `json:"bill_amount"`
	OrderCreatedAt             int64                `json:"order_created_at"`
	TransactionReferenceNumber string               `json:"transaction_reference_number"`
	Description                string               `json:"description"`
	TerminalID                 string               `json:"terminal_id"`
	MerchantID                 string               `json:"merchant_id"`
	MerchantCode               string               `json:"merchant_code"`
	PartnerCode                string               `json:"partner_code"`
	UserToken                  string               `json:"user_token"`
}

// (<user_token>|<merchant_code>|<merchant_id>|<terminal_id>|<invoice_no>|
// <order_create_at>|<bill_amount>|<amount_currency=VND>|<amount_currency=OE POINT>):
// the last two are the amounts of the payment_request_list entries in VND
// and in points, empty when the list has no such entry.
func (b *createTransactionBody) signingString() string {
	return signing.Join("|",
		b.UserToken, b.MerchantCode, b.MerchantID, b.TerminalID, b.InvoiceNo,
		strconv.FormatInt(b.OrderCreatedAt, 10), b.BillAmount,
		itemAmount(b.PaymentRequestList, CurrencyVND), itemAmount(b.PaymentRequestList, CurrencyPoint))
}

func itemAmount(items []paymentRequestItem, currency string) string {
	for _, it := range items {
		if it.Currency == currency {
			return it.Amount
		}
	}
	return ""
}

type confirmTransactionBody struct {
	Signature                  string `json:"signature"`
	OTP                        string `json:"otp"`
	TransactionReferenceNumber string `json:"transaction_reference_number"`
	TransactionID              string `json:"transaction_id"`
	PartnerCode                string `json:"partner_code"`
	UserToken                  string `json:"user_token"`
}

// sign(<user_token>|<transaction_id>|<transaction_reference_id>); the last is
// the body's transaction_reference_number.
func (b *confirmTransactionBody) signingString() string {
	return signing.Join("|", b.UserToken, b.TransactionID, b.TransactionReferenceNumber)
}

type confirmOrderBody struct {
	Signature   string `json:"signature"`
	OrderStatus string `json:"order_status"`
	PartnerCode string `json:"partner_code"`
	InvoiceNo   string `json:"invoice_no"`
}

// sign(<invoice_no>|<parter_code>|<order_status>)
func (b *confirmOrderBody) signingString() string {
	return signing.Join("|", b.InvoiceNo, b.PartnerCode, b.OrderStatus)
}

type unlinkWalletBody struct {
	Signature   string `json:"signature"`
	PartnerCode string `json:"partner_code"`
	UserToken   string `json:"user_token"`
}

// sign(<user_token>|<partner_code>)
func (b *unlinkWalletBody) signingString() string {
	return signing.Join("|", b.UserToken, b.PartnerCode)
}

// refundBody is modelled (VinID publishes the endpoint, not its body): the
// merchant-integration APIs are authenticated by X-Signature alone.
type refundBody struct {
	OrderID           string `json:"order_id"`
	RefundReferenceID string `json:"refund_reference_id"`
	Amount            int64  `json:"amount"`
	Description       string `json:"description,omitempty"`
}

// PaymentCallbackSigningString returns what VinID signs in a payment
// notification: status;transactionID;orderID. The amount is not covered.
func PaymentCallbackSigningString(status, transactionID, orderID string) string {
	return signing.Join(";", status, transactionID, orderID)
}

// LinkCallbackSigningString returns what the link callback's signature
// covers (modelled on the payment notification, see the package doc):
// status;link_reference_id;partner_user_id;user_token;phone_number.
func LinkCallbackSigningString(status, linkReferenceID, partnerUserID, userToken, phone string) string {
	return signing.Join(";", status, linkReferenceID, partnerUserID, userToken, phone)
}
