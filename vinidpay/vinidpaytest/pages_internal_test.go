package vinidpaytest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestParseLinkForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		form   string
		cancel bool
		user   string
		ok     bool
	}{
		{"action=cancel", true, "", true},
		{"action=cancel&user=U1", true, "", true},
		{"action=confirm&user=U00000001", false, "U00000001", true},
		{"action=confirm", false, "", false},
		{"action=confirm&user=", false, "", false},
		{"action=Confirm&user=U1", false, "", false},
		{"action=confirm&action=confirm&user=U1", false, "", false},
		{"action=confirm&user=U1&user=U1", false, "", false},
		{"user=U1", false, "", false},
		{"action=confirm&user=" + strings.Repeat("U", 65), false, "", false},
		{"", false, "", false},
	} {
		v, err := url.ParseQuery(tc.form)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseLinkForm(v)
		if (err == nil) != tc.ok || (err == nil && (f.cancel != tc.cancel || f.userID != tc.user)) {
			t.Errorf("parseLinkForm(%q) = %+v, %v", tc.form, f, err)
		}
	}
}

// FuzzLinkSubmit posts arbitrary bodies to the link page: never a 5xx, a
// link confirmed only by action=confirm with a known user, cancelled only by
// action=cancel.
func FuzzLinkSubmit(f *testing.F) {
	keys, err := GenerateKeys()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"action=confirm&user=U00000001", "action=cancel", "action=confirm&user=%00", "action=%zz", "user=U00000001&action=confirm&action=cancel", ""} {
		f.Add("LNK00000002", s)
	}
	f.Add("LNK%2F..", "action=cancel")
	f.Fuzz(func(t *testing.T, id, body string) {
		s, err := NewServer(Config{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		user := s.AddUser("0912345678", 1000)
		s.mu.Lock()
		now := s.now()
		lk := &link{id: s.nextID("LNK"), partnerUserID: "alice", callbackURL: "https://m.example/cb", created: now, expires: now.Add(s.linkExpiry)}
		s.links[lk.id] = lk
		s.mu.Unlock()

		req := httptest.NewRequest(http.MethodPost, "/link/x", strings.NewReader(body))
		req.SetPathValue("id", id)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.linkSubmit(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %q: HTTP %d", body, rec.Code)
		}
		s.mu.Lock()
		confirmed, cancelled := lk.token != "", lk.cancelled
		s.mu.Unlock()
		v, perr := url.ParseQuery(body)
		switch {
		case confirmed && (perr != nil || id != lk.id || v.Get("action") != "confirm" || v.Get("user") != user):
			t.Fatalf("POST %q to %q confirmed the link", body, id)
		case cancelled && (perr != nil || id != lk.id || v.Get("action") != "cancel"):
			t.Fatalf("POST %q to %q cancelled the link", body, id)
		case (confirmed || cancelled) && rec.Code != http.StatusOK:
			t.Fatalf("POST %q: changed the link but answered %d", body, rec.Code)
		}
	})
}
