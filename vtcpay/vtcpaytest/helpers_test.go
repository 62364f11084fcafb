package vtcpaytest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The tests sign and verify with their own code (crypto/sha256 and
// crypto/md5 directly), not with the fake's, so that a bug in the fake's
// signing fails them.

func sha256Upper(s string) string {
	d := sha256.Sum256([]byte(s))
	return strings.ToUpper(hex.EncodeToString(d[:]))
}

func md5Lower(s string) string {
	d := md5.Sum([]byte(s))
	return hex.EncodeToString(d[:])
}

// sortedSignature signs params by the checkout/return rule: the non-empty
// values ordered by name, joined with "|", then "|" and the secret.
func sortedSignature(secret string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k != "signature" && v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	vals := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		vals = append(vals, params[k])
	}
	vals = append(vals, secret)
	return sha256Upper(strings.Join(vals, "|"))
}

// checkoutURL builds a signed checkout URL by hand.
func checkoutURL(s *Server, secret string, params map[string]string) string {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	q.Set("signature", sortedSignature(secret, params))
	return s.URL() + "/checkout.html?" + q.Encode()
}

// order returns the parameters of a valid VND order for the default merchant.
func order(ref, amount, returnURL string) map[string]string {
	p := map[string]string{
		"amount":           amount,
		"currency":         "VND",
		"reference_number": ref,
		"website_id":       "123456",
	}
	if returnURL != "" {
		p["url_return"] = returnURL
	}
	return p
}

// verifyReturn checks a return query's signature independently and returns
// the query's values.
func verifyReturn(t *testing.T, secret string, u *url.URL) url.Values {
	t.Helper()
	q := u.Query()
	params := map[string]string{}
	for k := range q {
		params[k] = q.Get(k)
	}
	if got, want := q.Get("signature"), sortedSignature(secret, params); got != want {
		t.Fatalf("return signature = %q, want %q (query %s)", got, want, u.RawQuery)
	}
	return q
}

// verifyIPN checks a notification's signature independently and returns its
// data fields.
func verifyIPN(t *testing.T, secret string, form url.Values) []string {
	t.Helper()
	data := form.Get("data")
	if got, want := form.Get("signature"), sha256Upper(data+"|"+secret); got != want {
		t.Fatalf("notification signature = %q, want %q (data %q)", got, want, data)
	}
	return strings.Split(data, "|")
}

// get fetches a URL from the fake without following redirects.
func get(t *testing.T, s *Server, rawURL string) (*http.Response, string) {
	t.Helper()
	hc := *s.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// merchant is a test merchant's receiving URL that records notifications.
type merchant struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
}

func newMerchant(t *testing.T) *merchant {
	t.Helper()
	m := &merchant{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "want a form POST", http.StatusBadRequest)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		m.mu.Lock()
		m.forms = append(m.forms, r.PostForm)
		m.mu.Unlock()
		_, _ = io.WriteString(w, "OK")
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *merchant) received() []url.Values {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]url.Values(nil), m.forms...)
}

// apiSignFor signs a merchant API request by hand for the default merchant.
func apiSignFor(account, id, merchantType string, extra ...string) string {
	return md5Lower(DefaultKeySign + account + id + merchantType + strings.Join(extra, "") + DefaultSecretKey)
}

// postAPI POSTs body (a JSON-encodable value, or raw []byte) to a merchant
// API and returns the HTTP status and the raw response.
func postAPI(t *testing.T, s *Server, op string, body any) (int, []byte) {
	t.Helper()
	code, b, err := postAPIErr(s, op, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, b
}

// postAPIErr is postAPI for goroutines other than the test's.
func postAPIErr(s *Server, op string, body any) (int, []byte, error) {
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	resp, err := s.Client().Post(s.URL()+"/api/AccountApi/"+op, "application/json", bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// apiResult is the union of the API responses, amounts kept as json.Number.
type apiResult struct {
	ResponseCode    int
	Description     string
	ListOrderStatus []struct {
		OrderCode     string
		Status        int
		Amount        json.Number
		Currency      string
		TransactionID json.Number
		PaymentType   string
		Message       string
	}
	ListSaleHistory []struct {
		OrderCode     string
		TransactionID json.Number
		Amount        json.Number
		Status        int
		CreatedDate   string
	}
	ListRefund []struct {
		OrderCode    string
		RefundAmount json.Number
		Status       int
		Message      string
	}
}

func decodeAPI(t *testing.T, b []byte) apiResult {
	t.Helper()
	var r apiResult
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("response %s: %v", b, err)
	}
	return r
}

// statusRequest is an order status (or refund) request for the default
// merchant, signed by hand.
func statusRequest(codes ...string) map[string]any {
	list := make([]map[string]any, 0, len(codes))
	for _, c := range codes {
		list = append(list, map[string]any{"orderCode": c})
	}
	return map[string]any{
		"merchantType":          "WEBSITE",
		"intergratedID":         DefaultWebsiteID,
		"revceiverAccount":      DefaultReceiverAccount,
		"sign":                  apiSignFor(DefaultReceiverAccount, "123456", "WEBSITE"),
		"listMerchantOrderCode": list,
	}
}

// paid opens a checkout for ref and pays it with status, failing the test
// on any error.
func paid(t *testing.T, s *Server, ref, amount string, status int) *url.URL {
	t.Helper()
	u, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, order(ref, amount, "https://shop.example/return")), status)
	if err != nil {
		t.Fatalf("pay %s: %v", ref, err)
	}
	return u
}
