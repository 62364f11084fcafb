package vtcpaytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ipnHandler is a merchant's notification handler that verifies with the
// tests' own code and counts what it accepted and refused.
type ipnHandler struct {
	accepted, refused atomic.Int32
	mu                sync.Mutex
	paths             []string
}

func (h *ipnHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.paths = append(h.paths, r.URL.Path)
	h.mu.Unlock()
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
		h.refused.Add(1)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	data, sig := r.PostForm.Get("data"), r.PostForm.Get("signature")
	if sig == "" || sig != sha256Upper(data+"|"+DefaultSecretKey) || len(strings.Split(data, "|")) != 7 {
		h.refused.Add(1)
		http.Error(w, "invalid signature", http.StatusBadRequest)
		return
	}
	h.accepted.Add(1)
	_, _ = io.WriteString(w, "OK")
}

func TestNotification(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	form, err := s.Notification("ORDER-1")
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := s.Transaction("ORDER-1")
	if want := "150000|Thành công|VTCPAY|ORDER-1|1|" + tx.TransRefNo + "|123456"; form.Get("data") != want {
		t.Errorf("data %q, want %q", form.Get("data"), want)
	}
	verifyIPN(t, DefaultSecretKey, form)
	if len(form) != 2 {
		t.Errorf("form %v", form)
	}
	if _, err := s.Notification("NOPE"); err == nil {
		t.Error("notification of an unknown order")
	}
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{ReceivingURL: "http://127.0.0.1:1/vtc/listen"}, WithoutNotify())
	paid(t, s, "ORDER-1", "150000", StatusSuccess)

	h := &ipnHandler{}
	resps, err := s.Deliver(t.Context(), h, "ORDER-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 1 || resps[0].StatusCode != http.StatusOK || h.accepted.Load() != 1 {
		t.Fatalf("responses %v, accepted %d", resps, h.accepted.Load())
	}
	if b, _ := io.ReadAll(resps[0].Body); string(b) != "OK" {
		t.Errorf("body %q", b)
	}
	if h.paths[0] != "/vtc/listen" {
		t.Errorf("path %q", h.paths[0])
	}

	for _, opts := range [][]DeliveryOption{{Times(5)}, {Times(8), Concurrently()}} {
		h := &ipnHandler{}
		resps, err := s.Deliver(t.Context(), h, "ORDER-1", opts...)
		if err != nil {
			t.Fatal(err)
		}
		if len(resps) != len(h.paths) || int(h.accepted.Load()) != len(resps) || len(resps) < 5 {
			t.Errorf("%d responses, %d accepted", len(resps), h.accepted.Load())
		}
		for _, r := range resps {
			if r == nil || r.StatusCode != http.StatusOK {
				t.Errorf("response %v", r)
			}
		}
	}

	h = &ipnHandler{}
	_, err = s.Deliver(t.Context(), h, "ORDER-1", Target("http://shop.example/other"), Delay(time.Millisecond))
	if err != nil || h.paths[0] != "/other" || h.accepted.Load() != 1 {
		t.Errorf("target: %v, %v", err, h.paths)
	}
	if _, err := s.Deliver(t.Context(), nil, "ORDER-1"); err == nil {
		t.Error("nil handler")
	}
	if _, err := s.Deliver(t.Context(), h, "NOPE"); err == nil {
		t.Error("unknown order")
	}
	if n := s.Notifications(); len(n) != 0 {
		t.Errorf("in-process deliveries recorded as POSTs: %v", n)
	}
}

func TestDeliverTampered(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	set := func(i int, v string) DeliveryOption {
		return Tamper(func(f url.Values) {
			parts := strings.Split(f.Get("data"), "|")
			parts[i] = v
			f.Set("data", strings.Join(parts, "|"))
		})
	}
	tests := []struct {
		name string
		opt  DeliveryOption
	}{
		{"amount", set(0, "1500000")},
		{"status", set(4, "7")},
		{"reference", set(3, "ORDER-2")},
		{"website", set(6, "1")},
		{"no signature", Tamper(func(f url.Values) { f.Del("signature") })},
		{"empty signature", Tamper(func(f url.Values) { f.Set("signature", "") })},
		{"signed with another secret", Tamper(func(f url.Values) { f.Set("signature", sha256Upper(f.Get("data")+"|Another2026SecretKey")) })},
		{"oversized", TamperBody(func(b []byte) []byte { return append(b, bytes.Repeat([]byte("&x=1"), 4<<10)...) })},
		{"garbage", TamperBody(func([]byte) []byte { return []byte("%zz") })},
	}
	for _, tt := range tests {
		h := &ipnHandler{}
		resps, err := s.Deliver(t.Context(), h, "ORDER-1", tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		if h.accepted.Load() != 0 || resps[0].StatusCode != http.StatusBadRequest {
			t.Errorf("%s: accepted %d, HTTP %d", tt.name, h.accepted.Load(), resps[0].StatusCode)
		}
	}
	// The transaction itself is untouched.
	form, _ := s.Notification("ORDER-1")
	h := &ipnHandler{}
	if _, err := s.Deliver(t.Context(), h, "ORDER-1"); err != nil || h.accepted.Load() != 1 || !strings.HasPrefix(form.Get("data"), "150000|") {
		t.Errorf("after tampering: %v, accepted %d, %q", err, h.accepted.Load(), form.Get("data"))
	}
}

func TestDeliverDelayCancelled(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	h := &ipnHandler{}
	resps, err := s.Deliver(ctx, h, "ORDER-1", Delay(time.Hour), Times(3))
	if !errors.Is(err, context.Canceled) || len(h.paths) != 0 || len(resps) != 3 || resps[0] != nil {
		t.Errorf("cancelled: %v, %d deliveries, %v", err, len(h.paths), resps)
	}
	_, err = s.Deliver(ctx, h, "ORDER-1", Delay(time.Hour), Times(3), Concurrently())
	if !errors.Is(err, context.Canceled) || len(h.paths) != 0 {
		t.Errorf("cancelled, concurrent: %v, %d deliveries", err, len(h.paths))
	}
}

func TestNotifyOverHTTP(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	s := NewTestServer(t, Config{ReceivingURL: m.URL}, WithoutNotify())
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	ds, err := s.Notify(t.Context(), "ORDER-1", Times(3), Concurrently())
	if err != nil || len(ds) != 3 {
		t.Fatalf("Notify: %v, %+v", err, ds)
	}
	if got := m.received(); len(got) != 3 {
		t.Fatalf("merchant received %d", len(got))
	}
	for _, f := range m.received() {
		verifyIPN(t, DefaultSecretKey, f)
	}
	if n := s.Notifications(); len(n) != 3 || n[0].Body == "" || n[0].StatusCode != http.StatusOK {
		t.Errorf("Notifications() = %+v", n)
	}
	for _, target := range []string{"https://shop.example/ipn", "http://127.example.com/ipn", "ftp://127.0.0.1/", "::"} {
		if _, err := s.Notify(t.Context(), "ORDER-1", Target(target)); err == nil {
			t.Errorf("Notify to %s succeeded", target)
		}
	}
	bare := NewTestServer(t, Config{})
	if _, err := bare.Notify(t.Context(), "ORDER-1"); err == nil {
		t.Error("Notify without a receiving URL succeeded")
	}
	if len(m.received()) != 3 {
		t.Error("refused Notify calls reached the merchant")
	}
}

// Many payers and merchant calls at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	s := NewTestServer(t, Config{ReceivingURL: m.URL})
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := range n {
		ref := fmt.Sprintf("ORDER-%d", i)
		wg.Go(func() {
			u, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, order(ref, "150000", "https://shop.example/r")), StatusSuccess)
			if err != nil {
				errs <- err
				return
			}
			if u.Query().Get("reference_number") != ref {
				errs <- fmt.Errorf("%s: return %s", ref, u)
			}
			if _, err := s.Deliver(t.Context(), &ipnHandler{}, ref, Times(2), Concurrently()); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			_, body, err := postAPIErr(s, EndpointOrderStatus, statusRequest(ref))
			if err != nil || !bytes.Contains(body, []byte(`"ResponseCode":1,`)) {
				errs <- fmt.Errorf("order status: %s, %v", body, err)
			}
			_ = s.Transactions()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(s.Transactions()); got != n {
		t.Errorf("%d transactions, want %d", got, n)
	}
	if got := len(m.received()); got != n {
		t.Errorf("%d notifications, want %d", got, n)
	}
	if got := s.Calls(EndpointSubmit); got != n {
		t.Errorf("%d submits, want %d", got, n)
	}
	seen := map[string]bool{}
	for _, tx := range s.Transactions() {
		if seen[tx.TransRefNo] {
			t.Errorf("trans_ref_no %s given twice", tx.TransRefNo)
		}
		seen[tx.TransRefNo] = true
	}
}
