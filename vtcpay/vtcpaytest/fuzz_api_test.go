package vtcpaytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAPIRequest feeds request bodies to the fake's merchant APIs (the
// parser of what a client sends): never a panic, always one JSON answer
// whose ResponseCode is one of the fake's, success only for a body signed
// for what it says, and never more refunded than was paid. Half of the
// inputs are re-signed by hand (with the tests' own MD5) to reach the checks
// after the sign.
func FuzzAPIRequest(f *testing.F) {
	s := NewTestServer(f, Config{})
	ctx := f.Context()
	if _, err := s.Pay(ctx, checkoutURL(s, DefaultSecretKey, order("PAID", "150000", "https://shop.example/r")), StatusSuccess); err != nil {
		f.Fatal(err)
	}
	seed := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	refund := statusRequest()
	refund["listMerchantOrderCode"] = []map[string]any{{"orderCode": "PAID", "refundAmount": 50000}}
	history := map[string]any{
		"merchantType": "WEBSITE", "intergratedID": DefaultWebsiteID, "revceiverAccount": DefaultReceiverAccount,
		"fromDate": "2026-11-01", "toDate": "2026-11-30",
		"sign": apiSignFor(DefaultReceiverAccount, "123456", "WEBSITE", "2026-11-01", "2026-11-30"),
	}
	forged := statusRequest("PAID")
	forged["sign"] = md5Lower("forged")
	forgedRefund := statusRequest()
	forgedRefund["listMerchantOrderCode"] = refund["listMerchantOrderCode"]
	forgedRefund["sign"] = apiSignFor(DefaultReceiverAccount, "654321", "WEBSITE")
	f.Add(uint8(0), seed(statusRequest("PAID", "NOPE")), false)
	f.Add(uint8(0), seed(forged), false)
	f.Add(uint8(2), seed(forgedRefund), false)
	f.Add(uint8(1), seed(history), false)
	f.Add(uint8(2), seed(refund), false)
	f.Add(uint8(2), []byte(`{"listMerchantOrderCode":[{"orderCode":"PAID","refundAmount":"1e9"}]}`), true)
	f.Add(uint8(2), []byte(`{"intergratedID":"123456","listMerchantOrderCode":[{"orderCode":"PAID","refundAmount":-1}]}`), true)
	f.Add(uint8(0), []byte(`{"merchantType":`), false)
	f.Add(uint8(0), []byte(`{} {}`), true)
	f.Add(uint8(1), []byte(`{"fromDate":"2026-13-01","toDate":"x"}`), true)
	ops := [...]string{EndpointOrderStatus, EndpointSaleHistory, EndpointRefund}
	f.Fuzz(func(t *testing.T, opIndex uint8, body []byte, sign bool) {
		op := ops[int(opIndex)%len(ops)]
		signed := false
		if sign {
			if b, ok := resign(op, body); ok {
				body, signed = b, true
			}
		}
		req := httptest.NewRequest(http.MethodPost, BasePath+"/api/AccountApi/"+op, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetPathValue("op", op)
		rec := httptest.NewRecorder()
		s.handleAPI(rec, req)

		resp := rec.Result()
		raw, _ := io.ReadAll(resp.Body)
		var r struct {
			ResponseCode *int
			ListRefund   []struct{ Status int }
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&r); err != nil || r.ResponseCode == nil {
			t.Fatalf("HTTP %d, answer %q is not a JSON object with a ResponseCode", resp.StatusCode, raw)
		}
		switch *r.ResponseCode {
		case APISuccess, APIInvalidSign, APIUnknownWebsite, APINoReceiver, APIInvalidParameter:
		default:
			t.Fatalf("ResponseCode %d is none of the fake's", *r.ResponseCode)
		}
		if *r.ResponseCode == APISuccess && !signed && !validSign(op, body) {
			t.Fatalf("an unsigned %s request succeeded: %s", op, body)
		}
		if bytes.Contains(raw, []byte(DefaultSecretKey)) || bytes.Contains(raw, []byte(DefaultKeySign)) {
			t.Fatal("the answer shows a secret")
		}
		s.mu.Lock()
		p := s.txns["PAID"]
		over := p.refundedMinor > p.minor || p.refundedMinor < 0
		s.mu.Unlock()
		if over {
			t.Fatalf("refunded %d of %d", p.refundedMinor, p.minor)
		}
	})
}

// signedFields are the fields the sign covers, read with encoding/json's
// rules (names matched ignoring case, the last one winning), as a JSON
// server reads them; numbers are kept as written.
type signedFields struct {
	Sign             json.RawMessage `json:"sign"`
	RevceiverAccount json.RawMessage `json:"revceiverAccount"`
	IntergratedID    json.RawMessage `json:"intergratedID"`
	MerchantType     json.RawMessage `json:"merchantType"`
	FromDate         json.RawMessage `json:"fromDate"`
	ToDate           json.RawMessage `json:"toDate"`
}

// expectedSign returns the right sign for what body says, or ok false when
// body is not an object whose signed fields are strings or numbers.
func expectedSign(op string, body []byte) (sign, want string, ok bool) {
	var f signedFields
	if err := json.Unmarshal(body, &f); err != nil {
		return "", "", false
	}
	text := func(raw json.RawMessage) (string, bool) {
		if len(raw) == 0 || string(raw) == "null" {
			return "", true
		}
		var s string
		if raw[0] == '"' {
			return s, json.Unmarshal(raw, &s) == nil
		}
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	vals := make([]string, 0, 6)
	for _, raw := range []json.RawMessage{f.Sign, f.RevceiverAccount, f.IntergratedID, f.MerchantType, f.FromDate, f.ToDate} {
		v, ok := text(raw)
		if !ok {
			return "", "", false
		}
		vals = append(vals, v)
	}
	var extra []string
	if op == EndpointSaleHistory {
		extra = vals[4:6]
	}
	return vals[0], apiSignFor(vals[1], vals[2], vals[3], extra...), true
}

// resign replaces the body's sign with the right one for what it says.
func resign(op string, body []byte) ([]byte, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, false
	}
	for k := range m {
		if strings.EqualFold(k, "sign") {
			delete(m, k)
		}
	}
	// Re-encoded, names sorted: the fields are read from these bytes.
	b, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	_, want, ok := expectedSign(op, b)
	if !ok {
		return nil, false
	}
	m["sign"], _ = json.Marshal(want)
	b, err = json.Marshal(m)
	return b, err == nil
}

// validSign reports whether the body already carries the right sign.
func validSign(op string, body []byte) bool {
	sign, want, ok := expectedSign(op, body)
	return ok && sign != "" && strings.EqualFold(sign, want)
}
