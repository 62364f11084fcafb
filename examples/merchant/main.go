// Command merchant is a small cloud shop, "Mây Việt", on the thanhtoan
// SDK: open it in a browser and pay the way a customer would. It runs the
// site (net/http and html/template, no front-end build), checkout with its
// in-memory ledger and store (or PostgreSQL), and the fakes of VTC Pay, Ví
// Việt and VinID Pay, all on loopback.
//
//	go run ./examples/merchant                     # then open the URL it prints
//	go run ./examples/merchant -addr 127.0.0.1:9090 -lang en
//	go run ./examples/merchant -postgres 'postgres://user:pass@127.0.0.1:5432/db?sslmode=disable'
//
// A customer (pick An or Bình at the top) sees their credit and their
// Credit, Payment and Billing History, tops up, and buys a cloud server
// (vCPU, RAM, disk, region, months; priced on the server) by credit, top up
// & pay, or through a gateway; or shares the order with someone's email to
// pay on their behalf: the payer follows the emailed link to checkout's own
// pages (the order read-only, a button per gateway, VinID's OTP, or a page
// saying the link expired or was used), in the order's language with a link
// to the other. The fakes' pages play the gateways: VTC Pay's
// payment page (pay, insufficient balance, another status, or cancel), Ví
// Việt's login, account checks and OTP (the OTP shows on its page and on the
// demo's SMS page), VinID's wallet link page (with its QR code) and, from
// 1.000.000 ₫, an OTP (on the demo's page; a payer on behalf's on
// checkout's). Emails land in the demo's
// Mailbox. The region Đà Nẵng is full: provisioning fails there and the
// payment is refunded to credit.
//
// Decisions a real shop would revisit: sessions live in memory (a cookie
// names one; each has its CSRF token); the customer picker stands in for a
// login; a top-up is an order whose provisioning credits the wallet, since
// checkout has no top-up flow of its own; VinID wallet tokens live in memory
// (on the fake they do not outlive it anyway).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "merchant:", err)
		os.Exit(1)
	}
}

// run parses the flags, starts the demo and serves until ctx ends. When
// ready is not nil it receives the site's URL once the site answers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("merchant", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address of the site (host:port; port 0 picks a free one)")
	pg := fs.String("postgres", "", "PostgreSQL URL: keep the ledger and the orders there instead of in memory")
	lang := fs.String("lang", "vi", "language of the pages until the visitor picks one: vi or en")
	verbose := fs.Bool("v", false, "log what checkout and the gateways do")
	sweep := fs.Duration("sweep", 30*time.Second, "how often checkout's Sweep runs (recovery, unknown outcomes)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *sweep <= 0 {
		return errors.New("-sweep must be positive")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + siteHost(ln.Addr().(*net.TCPAddr))

	var logger *slog.Logger
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	a, err := newApp(ctx, config{BaseURL: base, Postgres: *pg, Lang: *lang, Logger: logger})
	if err != nil {
		return err
	}
	defer a.Close()
	go a.sweepLoop(ctx, *sweep)

	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	storage := "memory"
	if *pg != "" {
		storage = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "Mây Việt, the thanhtoan merchant demo (gateways: fakes on loopback; storage: %s)\n", storage)
	fmt.Fprintf(stdout, "Open %s/ in your browser. Stop with Ctrl+C.\n", base)
	if ready != nil {
		ready <- base
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// siteHost is the host:port browsers and the fakes use: a listener on all
// interfaces is reached through loopback.
func siteHost(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}
