package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/internal/pgtest"
)

// On PostgreSQL (-postgres), orders, histories and credit outlive the
// process: a second start finds them, and does not give the starting
// credit twice.
func TestPostgresKeepsOrdersAndCreditAcrossRestarts(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t, "merchant_", 4, nil) // a fresh schema, dropped at the end
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", pool.Config().ConnConfig.RuntimeParams["search_path"])
	u.RawQuery = q.Encode()

	a, base := startApp(t, config{Postgres: u.String()})
	v := newVisitor(t, base)
	id := v.createServer("1", "1", "20", "1", "hn1")
	if _, body := v.post("/orders/"+id+"/pay", url.Values{"method": {"credit"}}); textOf(body, "state") != "Hoàn tất" {
		t.Fatalf("state %q", textOf(body, "state"))
	}
	a.Close()

	a2, base2 := startApp(t, config{Postgres: u.String()})
	if got := available(t, a2, "an"); got != "370000" {
		t.Errorf("after a restart the balance is %s, want 370000", got)
	}
	if o := order(t, a2, id); o.State != checkout.StateCompleted {
		t.Errorf("order %s after a restart", o.State)
	}
	v2 := newVisitor(t, base2)
	status, body := v2.get("/history/billing")
	if status != http.StatusOK || !strings.Contains(body, id+"/invoice") {
		t.Errorf("Billing History after a restart: %d\n%s", status, body)
	}
}
