package vinidpay

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// PartnerTypeMerchant is the seed's default partner_type.
const PartnerTypeMerchant = "MERCHANT"

// LinkWalletRequest asks VinID to start linking a customer's wallet.
type LinkWalletRequest struct {
	// PartnerUserID identifies the customer in the merchant's system (user
	// name, email, phone...). Required.
	PartnerUserID string
	// CallbackURL receives the link result (user token and phone). Required;
	// an absolute http(s) URL.
	CallbackURL string
	// PartnerType defaults to PartnerTypeMerchant.
	PartnerType string
}

// LinkWalletResponse is VinID's answer: where to send the customer, and for
// how long the link can be confirmed.
type LinkWalletResponse struct {
	// WebURL opens VinID's web or app confirmation. On IoT devices show it as
	// a QR code (QRCodePNG).
	WebURL string
	// LinkID identifies the pending link; it is the link_reference_id of
	// LinkStatus.
	LinkID string
	// ExpiryDuration is how long the customer has to confirm
	// (expiry_duration, minutes).
	ExpiryDuration time.Duration
	// ExpiresAt is the client's clock at the answer plus ExpiryDuration.
	ExpiresAt time.Time

	// PartnerUserID and CallbackURL repeat the request: the link status
	// request signs them.
	PartnerUserID string
	CallbackURL   string
}

// StatusRequest returns the LinkStatus request for this link.
func (r *LinkWalletResponse) StatusRequest() LinkStatusRequest {
	return LinkStatusRequest{LinkReferenceID: r.LinkID, PartnerUserID: r.PartnerUserID, CallbackURL: r.CallbackURL}
}

// QRCodePNG renders WebURL as a PNG QR code of size×size pixels, for IoT
// devices (seed, step 4b). See [QRCodePNG].
func (r *LinkWalletResponse) QRCodePNG(size int) ([]byte, error) {
	return QRCodePNG(r.WebURL, size)
}

type linkWalletData struct {
	WebURL         string `json:"web_url"`
	LinkID         string `json:"link_id"`
	ExpiryDuration int64  `json:"expiry_duration"`
}

// LinkWallet starts linking a customer's VinID Pay wallet. It is not
// retried.
func (c *Client) LinkWallet(ctx context.Context, req LinkWalletRequest) (*LinkWalletResponse, error) {
	const op = "link wallet"
	if err := signedField(op, "partner user id", req.PartnerUserID); err != nil {
		return nil, err
	}
	if err := callbackURL(op, req.CallbackURL); err != nil {
		return nil, err
	}
	ptype := req.PartnerType
	if ptype == "" {
		ptype = PartnerTypeMerchant
	}
	b := linkWalletBody{CallbackURL: req.CallbackURL, PartnerType: ptype, PartnerCode: c.partnerCode, PartnerUserID: req.PartnerUserID}
	body, err := c.signBody(op, &b, b.signingString())
	if err != nil {
		return nil, err
	}
	var d linkWalletData
	if err := c.do(ctx, call{op: op, method: "POST", base: c.paymentBase, path: PathLinkWallet, body: body}, &d); err != nil {
		return nil, err
	}
	if d.WebURL == "" || d.LinkID == "" {
		return nil, malformed(op, "web_url and link_id are required")
	}
	if d.ExpiryDuration < 0 || d.ExpiryDuration > 7*24*60 {
		return nil, malformed(op, "expiry_duration %d minutes out of range", d.ExpiryDuration)
	}
	dur := time.Duration(d.ExpiryDuration) * time.Minute
	return &LinkWalletResponse{
		WebURL: d.WebURL, LinkID: d.LinkID, ExpiryDuration: dur, ExpiresAt: c.clock().Add(dur),
		PartnerUserID: req.PartnerUserID, CallbackURL: req.CallbackURL,
	}, nil
}

// LinkStatusRequest asks for the state of a link, for when the link callback
// does not arrive. The seed's signature for it covers
// partner_user_id|partner_code|callback_url, the values of the link-wallet
// request, so they are needed here too: LinkWalletResponse.StatusRequest
// fills them in.
type LinkStatusRequest struct {
	LinkReferenceID string
	PartnerUserID   string
	CallbackURL     string
}

// LinkStatusResponse is the state of a link.
type LinkStatusResponse struct {
	LinkReferenceID string
	// UserToken is empty until the customer has confirmed. Keep it like a
	// credential: with the merchant key it charges the wallet.
	UserToken string
	// MaskedPhone shows the last three digits only: "*******xxx".
	MaskedPhone string
}

// Linked reports whether the customer has confirmed the link.
func (r *LinkStatusResponse) Linked() bool { return r.UserToken != "" }

type linkStatusData struct {
	LinkReferenceID string `json:"link_reference_id"`
	UserToken       string `json:"user_token"`
	PhoneNumber     string `json:"phone_number"`
}

// LinkStatus polls a link. It is a query: network errors and 5xx answers
// are retried with a fresh nonce and signature.
func (c *Client) LinkStatus(ctx context.Context, req LinkStatusRequest) (*LinkStatusResponse, error) {
	const op = "link status"
	if err := signedField(op, "link reference id", req.LinkReferenceID); err != nil {
		return nil, err
	}
	if err := signedField(op, "partner user id", req.PartnerUserID); err != nil {
		return nil, err
	}
	if err := callbackURL(op, req.CallbackURL); err != nil {
		return nil, err
	}
	b := linkStatusBody{PartnerCode: c.partnerCode, LinkReferenceID: req.LinkReferenceID, partnerUserID: req.PartnerUserID, callbackURL: req.CallbackURL}
	body, err := c.signBody(op, &b, b.signingString())
	if err != nil {
		return nil, err
	}
	var d linkStatusData
	if err := c.do(ctx, call{op: op, method: "POST", base: c.paymentBase, path: PathLinkStatus, body: body, query: true}, &d); err != nil {
		return nil, err
	}
	if d.LinkReferenceID != "" && d.LinkReferenceID != req.LinkReferenceID {
		return nil, malformed(op, "answer is for another link")
	}
	return &LinkStatusResponse{LinkReferenceID: req.LinkReferenceID, UserToken: d.UserToken, MaskedPhone: d.PhoneNumber}, nil
}

// UnlinkWalletRequest removes a link.
type UnlinkWalletRequest struct {
	UserToken string
}

// UnlinkWallet removes the link of a user token. It is not retried.
func (c *Client) UnlinkWallet(ctx context.Context, req UnlinkWalletRequest) error {
	const op = "unlink wallet"
	if err := signedField(op, "user token", req.UserToken); err != nil {
		return err
	}
	b := unlinkWalletBody{PartnerCode: c.partnerCode, UserToken: req.UserToken}
	body, err := c.signBody(op, &b, b.signingString())
	if err != nil {
		return err
	}
	return c.do(ctx, call{op: op, method: "POST", base: c.paymentBase, path: PathUnlinkWallet, body: body}, nil)
}

// signable is a request body with a "signature" field.
type signable interface{ setSignature(string) }

func (b *linkWalletBody) setSignature(s string)         { b.Signature = s }
func (b *linkStatusBody) setSignature(s string)         { b.Signature = s }
func (b *createTransactionBody) setSignature(s string)  { b.Signature = s }
func (b *confirmTransactionBody) setSignature(s string) { b.Signature = s }
func (b *confirmOrderBody) setSignature(s string)       { b.Signature = s }
func (b *unlinkWalletBody) setSignature(s string)       { b.Signature = s }

// signBody signs canonical into b's signature field and serialises b once.
func (c *Client) signBody(op string, b signable, canonical string) ([]byte, error) {
	sig, err := c.signBase64([]byte(canonical))
	if err != nil {
		return nil, fmt.Errorf("vinidpay: %s: %w", op, err)
	}
	b.setSignature(sig)
	return marshalBody(op, b)
}

// signedField checks a value that goes into a '|'-joined signature: it must
// be present, at most 255 bytes, and free of '|' and control characters,
// so that the joined string is unambiguous.
func signedField(op, name, v string) error {
	if v == "" {
		return invalidRequest(op, "%s is required", name)
	}
	return optionalSignedField(op, name, v)
}

func optionalSignedField(op, name, v string) error {
	if len(v) > 255 {
		return invalidRequest(op, "%s longer than 255 bytes", name)
	}
	for _, r := range v {
		if r == '|' || r < 0x20 || r == 0x7f {
			return invalidRequest(op, "%s must not contain '|' or control characters", name)
		}
	}
	return nil
}

func callbackURL(op, raw string) error {
	if raw == "" {
		return invalidRequest(op, "callback url is required")
	}
	if err := optionalSignedField(op, "callback url", raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(raw, " ") {
		return invalidRequest(op, "callback url must be an absolute http(s) url")
	}
	return nil
}
