// Package browsertest starts headless Chromium for the module's browser
// tests, driven through chromedp, and saves screenshots of the pages they
// reach.
//
// The browser is THANHTOAN_CHROMIUM, else the first of chromium,
// chromium-browser and google-chrome on PATH. Without one the test is
// skipped with a message saying how to install it; with
// THANHTOAN_REQUIRE_CHROMIUM=1 (as .ci/run sets, after installing Debian's
// chromium) it fails instead, so CI cannot pass with the browser tests
// skipped.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns the browser executable, skipping or failing tb without one.
func Path(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("THANHTOAN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("THANHTOAN_REQUIRE_CHROMIUM") == "1" {
		tb.Fatal("THANHTOAN_REQUIRE_CHROMIUM=1 but no Chromium was found: the browser tests must not be skipped")
	}
	tb.Skip("browser tests skipped: no Chromium found; install Debian's chromium " +
		"(apt-get install chromium, or `source .ci/setup-chromium.sh` as root) or set THANHTOAN_CHROMIUM")
	return ""
}

// Option changes how New starts the browser.
type Option func(*options)

type options struct {
	timeout       time.Duration
	width, height int
}

// WithTimeout bounds the whole browser session (default 60s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithWindowSize sets the viewport (default 1100x900).
func WithWindowSize(w, h int) Option { return func(o *options) { o.width, o.height = w, h } }

// New starts a headless browser for tb, with a fresh profile, and returns
// the context of its first tab for chromedp.Run. The browser is stopped when
// tb ends. Chromium is started with background networking off, so it talks
// to nothing but the pages the test opens.
func New(tb testing.TB, opts ...Option) context.Context {
	tb.Helper()
	o := options{timeout: 60 * time.Second, width: 1100, height: 900}
	for _, opt := range opts {
		opt(&o)
	}
	flags := append(chromedp.DefaultExecAllocatorOptions[:0:0], chromedp.DefaultExecAllocatorOptions[:]...)
	flags = append(flags,
		chromedp.ExecPath(Path(tb)),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.WindowSize(o.width, o.height),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), o.timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, flags...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(tb.Logf))
	tb.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	// Start the browser now, so a failure to start is reported here.
	if err := chromedp.Do(bctx); err != nil {
		tb.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

// Dir is where screenshots go: THANHTOAN_SCREENSHOTS when set (relative to
// the test's package directory), else testdata/screenshots of the package,
// which git ignores.
func Dir() string {
	if d := os.Getenv("THANHTOAN_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join("testdata", "screenshots")
}

// Screenshot saves a PNG of the whole current page as Dir()/name.png and
// returns its path. name is made file-safe (the test name is a good one).
func Screenshot(tb testing.TB, ctx context.Context, name string) string {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	dir := Dir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, fileName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", path)
	return path
}

func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
}
