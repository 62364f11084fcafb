package browsertest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/thanhtoan/thanhtoan/internal/browsertest"
)

// The harness opens a loopback page, submits its form, reads the page the
// server answered with, and saves a PNG of it.
func TestBrowserSubmitsFormAndScreenshots(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><form method="post" action="/pay"><input name="amount" value="150000"><button id="go">Thanh toán</button></form>`)
	})
	mux.HandleFunc("POST /pay", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><p id="out">paid %s</p>`, r.FormValue("amount"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	t.Setenv("THANHTOAN_SCREENSHOTS", t.TempDir())
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SetValue(`input[name=amount]`, "99000"),
		chromedp.Click(`#go`),
	); err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(ctx, chromedp.Text(`#out`))
	if err != nil {
		t.Fatal(err)
	}
	if out != "paid 99000" {
		t.Fatalf("page says %q, want %q", out, "paid 99000")
	}
	path := browsertest.Screenshot(t, ctx, t.Name()+"/final")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s is not a PNG", path)
	}
}
