package vtcpaytest

import (
	"net/url"
	"strconv"

	"github.com/thanhtoan/thanhtoan/signing"
)

// This file holds the fake's own signing code, written from GATEWAYS.md and
// the seed independently of the vtcpay client, so that a signing bug in the
// client fails a test against the fake instead of being mirrored by it.

// canonicalParams returns the values of the non-empty parameters of v other
// than signature, ordered by parameter name (byte order), joined with "|".
// The values are the decoded ones, as the gateway signs them. v must hold one
// value per name.
func canonicalParams(v url.Values) string {
	params := make([]signing.Param, 0, len(v))
	for k, vals := range v {
		if k == "signature" || len(vals) == 0 || vals[0] == "" {
			continue
		}
		params = append(params, signing.Param{Key: k, Value: vals[0]})
	}
	return signing.JoinSorted("|", params)
}

// paramsSignature is the signature of a checkout request or of a browser
// return: UPPERCASE hex SHA-256 of the canonical string, "|" and the secret.
func paramsSignature(secret string, v url.Values) string {
	return signing.SHA256Hex(signing.Upper, canonicalParams(v), "|", secret)
}

// verifyParams reports whether v's signature parameter is the right one for
// v, compared in constant time and ignoring letter case. An empty secret or
// signature never verifies.
func verifyParams(secret string, v url.Values) bool {
	sig := v.Get("signature")
	if secret == "" || sig == "" {
		return false
	}
	d := signing.SHA256(canonicalParams(v), "|", secret)
	return signing.EqualHexDigest(sig, d[:])
}

// ipnData is the data field of the server notification:
// amount|message|payment_type|reference_number|status|trans_ref_no|website_id.
func ipnData(amount, message, paymentType, reference string, status int, transRefNo string, websiteID int) string {
	return signing.Join("|", amount, message, paymentType, reference,
		strconv.Itoa(status), transRefNo, strconv.Itoa(websiteID))
}

// ipnSignature is the notification's signature: UPPERCASE hex SHA-256 of
// data, "|" and the secret.
func ipnSignature(secret, data string) string {
	return signing.SHA256Hex(signing.Upper, data, "|", secret)
}

// apiSign is the sign field of the merchant APIs: lowercase hex MD5 of
// keySign, receiver account, integrated (website) ID, merchant type, the
// extra parts (the sales history's fromDate and toDate) and the secret,
// concatenated without separators.
func apiSign(keySign, secret, account, integratedID, merchantType string, extra ...string) string {
	parts := make([]string, 0, 5+len(extra))
	parts = append(parts, keySign, account, integratedID, merchantType)
	parts = append(parts, extra...)
	parts = append(parts, secret)
	return signing.MD5Hex(signing.Lower, parts...)
}

// verifyAPISign compares sign with the expected one in constant time,
// ignoring letter case; an empty sign never verifies.
func verifyAPISign(sign, keySign, secret, account, integratedID, merchantType string, extra ...string) bool {
	if sign == "" || secret == "" || keySign == "" {
		return false
	}
	return signing.EqualHex(sign, apiSign(keySign, secret, account, integratedID, merchantType, extra...))
}
