package checkout_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/wallet"
)

const (
	smtpTestUser     = "mailer@thanhtoan.example"
	smtpTestPassword = "s3cret-Passw0rd-for-tests"
)

// smtpTestServer is an SMTP server in the test process (go-smtp) on a
// loopback listener, requiring AUTH PLAIN before MAIL, and recording what it
// receives.
type smtpTestServer struct {
	addr string

	mu         sync.Mutex
	msgs       []smtpTestMessage
	rejectRcpt *gosmtp.SMTPError
}

type smtpTestMessage struct {
	from string
	to   []string
	data []byte
	tls  bool // the message came over TLS
}

// noSuchMailbox is a server's permanent refusal of the recipient's address.
var noSuchMailbox = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}

type smtpTestServerOptions struct {
	startTLS    *tls.Config       // offer STARTTLS with this config
	implicitTLS *tls.Config       // speak TLS from the first byte
	rejectRcpt  *gosmtp.SMTPError // answer RCPT with it
}

func smtpTestStart(t *testing.T, o smtpTestServerOptions) *smtpTestServer {
	t.Helper()
	s := &smtpTestServer{rejectRcpt: o.rejectRcpt}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &smtpTestSession{srv: s, conn: c}, nil
	}))
	srv.Domain = "mx.test.example"
	srv.AllowInsecureAuth = true // plaintext AUTH on loopback, as the test config allows
	srv.TLSConfig = o.startTLS
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	if o.implicitTLS != nil {
		l = tls.NewListener(l, o.implicitTLS)
	}
	s.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *smtpTestServer) messages() []smtpTestMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpTestMessage(nil), s.msgs...)
}

type smtpTestSession struct {
	srv  *smtpTestServer
	conn *gosmtp.Conn
	auth bool
	from string
	to   []string
}

func (s *smtpTestSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpTestSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" || username != smtpTestUser || password != smtpTestPassword {
			return gosmtp.ErrAuthFailed
		}
		s.auth = true
		return nil
	}), nil
}

func (s *smtpTestSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if !s.auth {
		return gosmtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpTestSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.srv.rejectRcpt != nil {
		return s.srv.rejectRcpt
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpTestSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, smtpTestMessage{from: s.from, to: s.to, data: data, tls: isTLS})
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpTestSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpTestSession) Logout() error { return nil }

// smtpTestConfig is the config of a notifier talking to s: loopback,
// plaintext allowed, AUTH with the test credentials.
func smtpTestConfig(s *smtpTestServer) checkout.SMTPConfig {
	return checkout.SMTPConfig{
		Addr:     s.addr,
		From:     "Thanh toán <no-reply@thanhtoan.example>",
		Username: smtpTestUser,
		Password: signing.NewSecret(smtpTestPassword),
		StartTLS: checkout.StartTLSLoopbackPlaintext,
		Timeout:  10 * time.Second,
	}
}

func smtpTestNotifier(t *testing.T, cfg checkout.SMTPConfig) *checkout.SMTPNotifier {
	t.Helper()
	n, err := checkout.NewSMTPNotifier(cfg, checkout.WithMailClock(mailTestNow))
	if err != nil {
		t.Fatalf("NewSMTPNotifier: %v", err)
	}
	return n
}

// smtpTestCert returns a server TLS config with a self-signed certificate
// for 127.0.0.1 and a client TLS config that trusts it.
func smtpTestCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtp test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func TestSMTPNotifierDeliversMIME(t *testing.T) {
	t.Parallel()
	srv := smtpTestStart(t, smtpTestServerOptions{})
	nt := smtpTestNotifier(t, smtpTestConfig(srv))
	n := mailTestNotification(checkout.NotifyOrderCompleted, checkout.Vietnamese)
	if err := nt.Send(context.Background(), n); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.from != "no-reply@thanhtoan.example" || len(m.to) != 1 || m.to[0] != "an@khachhang.example" {
		t.Errorf("envelope = %q -> %q", m.from, m.to)
	}
	p := mailTestParse(t, m.data)
	if p.subject != "Đơn hàng ord_42 đã thanh toán thành công" {
		t.Errorf("Subject = %q", p.subject)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "an@khachhang.example" || to[0].Name != "Nguyễn Văn An" {
		t.Errorf("To = %v (%v)", to, err)
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "no-reply@thanhtoan.example" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if date, err := p.header.Date(); err != nil || !date.Equal(mailTestNow()) {
		t.Errorf("Date = %v (%v), want the injected clock's %v", date, err, mailTestNow())
	}
	want, err := nt.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.header.Get("Message-ID"); got == "" || got != want.MessageID {
		t.Errorf("Message-ID = %q, want %q", got, want.MessageID)
	}
	if p.header.Get("MIME-Version") != "1.0" || len(p.partTypes) != 2 ||
		p.partTypes[0] != "text/plain; charset=utf-8" || p.partTypes[1] != "text/html; charset=utf-8" {
		t.Errorf("MIME-Version %q, parts %q", p.header.Get("MIME-Version"), p.partTypes)
	}
	for _, s := range []string{"vCPU: 2", "RAM: 4 GB", "Disk: 80 GB SSD", "Tổng cộng: 1.250.000 ₫", "Cloud server <script>"} {
		if !strings.Contains(p.text, s) {
			t.Errorf("text part lacks %q", s)
		}
	}
	for _, s := range []string{"<li>vCPU: 2</li>", "1.250.000 ₫", "Cloud server &lt;script&gt;"} {
		if !strings.Contains(p.html, s) {
			t.Errorf("html part lacks %q", s)
		}
	}
	if strings.Contains(p.html, "<script>") {
		t.Errorf("html part holds an unescaped <script>")
	}

	// The outbox sends the same notification again: same Message-ID, so the
	// duplicate is recognisable downstream.
	if err := nt.Send(context.Background(), n); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	msgs = srv.messages()
	if len(msgs) != 2 {
		t.Fatalf("server received %d messages, want 2", len(msgs))
	}
	if again := mailTestParse(t, msgs[1].data); again.header.Get("Message-ID") != p.header.Get("Message-ID") {
		t.Errorf("resent Message-ID %q differs from %q", again.header.Get("Message-ID"), p.header.Get("Message-ID"))
	}
}

func TestSMTPNotifierEveryKindAndLanguage(t *testing.T) {
	t.Parallel()
	srv := smtpTestStart(t, smtpTestServerOptions{})
	nt := smtpTestNotifier(t, smtpTestConfig(srv))
	want := map[string]string{}
	for _, k := range []checkout.NotificationKind{checkout.NotifyShareLink, checkout.NotifyOrderCompleted, checkout.NotifyRefunded} {
		for _, l := range []checkout.Language{checkout.Vietnamese, checkout.English} {
			n := mailTestNotification(k, l)
			n.ID += "/" + string(l)
			e, err := nt.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			want[e.MessageID] = e.Subject
			if err := nt.Send(context.Background(), n); err != nil {
				t.Fatalf("Send %s: %v", n.ID, err)
			}
		}
	}
	msgs := srv.messages()
	if len(msgs) != len(want) {
		t.Fatalf("server received %d messages, want %d", len(msgs), len(want))
	}
	for _, m := range msgs {
		p := mailTestParse(t, m.data)
		id := p.header.Get("Message-ID")
		if subject, ok := want[id]; !ok || p.subject != subject {
			t.Errorf("message %s: subject %q, want %q", id, p.subject, subject)
		}
		delete(want, id)
	}
}

func TestSMTPNotifierConcurrentSends(t *testing.T) {
	t.Parallel()
	srv := smtpTestStart(t, smtpTestServerOptions{})
	nt := smtpTestNotifier(t, smtpTestConfig(srv))
	const count = 8
	var wg sync.WaitGroup
	errs := make(chan error, count)
	for i := range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := mailTestNotification(checkout.NotifyShareLink, checkout.English)
			n.ID = "ord_" + strconv.Itoa(i) + "/email/share"
			errs <- nt.Send(context.Background(), n)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if got := len(srv.messages()); got != count {
		t.Fatalf("server received %d messages, want %d", got, count)
	}
}

func TestSMTPNotifierServerRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := mailTestNotification(checkout.NotifyRefunded, checkout.English)

	srv := smtpTestStart(t, smtpTestServerOptions{rejectRcpt: noSuchMailbox})
	err := smtpTestNotifier(t, smtpTestConfig(srv)).Send(ctx, n)
	var perr *textproto.Error
	if !errors.As(err, &perr) || perr.Code != 550 || !errors.Is(err, checkout.ErrRecipientRefused) {
		t.Errorf("Send to a refusing server = %v, want a 550 *textproto.Error and ErrRecipientRefused", err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "checkout: smtp: rcpt to: ") {
		t.Errorf("error %q does not say where it failed", err)
	}
	// Other refusals of the recipient's address itself: no such domain,
	// bad syntax, moved, a domain that takes no mail (RFC 7505).
	for _, refusal := range []*gosmtp.SMTPError{
		{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 2}, Message: "no such domain"},
		{Code: 553, EnhancedCode: gosmtp.EnhancedCode{5, 1, 3}, Message: "bad address syntax"},
		{Code: 551, EnhancedCode: gosmtp.EnhancedCode{5, 1, 6}, Message: "mailbox moved"},
		{Code: 556, EnhancedCode: gosmtp.EnhancedCode{5, 1, 10}, Message: "domain has a null MX"},
	} {
		srv := smtpTestStart(t, smtpTestServerOptions{rejectRcpt: refusal})
		if err := smtpTestNotifier(t, smtpTestConfig(srv)).Send(ctx, n); !errors.Is(err, checkout.ErrRecipientRefused) {
			t.Errorf("RCPT answered %d %v: Send = %v, want ErrRecipientRefused", refusal.Code, refusal.EnhancedCode, err)
		}
	}
	// Refusals that are not about the address itself are retried.
	for _, refusal := range []*gosmtp.SMTPError{
		{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: "relaying denied"},
		{Code: 450, EnhancedCode: gosmtp.EnhancedCode{4, 2, 1}, Message: "mailbox busy"},
		{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 2, 2}, Message: "mailbox full"},
		// The sender refused at RCPT (Postfix's smtpd_delay_reject, on by
		// default): a From the server does not take is cured by
		// configuration, and every email would be refused so.
		{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 0}, Message: "<shop@example.vn>: Sender address rejected: User unknown in local recipient table"},
		{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 7}, Message: "<shop@example.vn>: Sender address rejected: bad syntax"},
		{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 8}, Message: "<shop@example.vn>: Sender address rejected: Domain not found"},
	} {
		srv := smtpTestStart(t, smtpTestServerOptions{rejectRcpt: refusal})
		err := smtpTestNotifier(t, smtpTestConfig(srv)).Send(ctx, n)
		if err == nil || errors.Is(err, checkout.ErrRecipientRefused) {
			t.Errorf("RCPT answered %d %v: Send = %v, want an error that is not ErrRecipientRefused", refusal.Code, refusal.EnhancedCode, err)
		}
	}

	srv = smtpTestStart(t, smtpTestServerOptions{})
	cfg := smtpTestConfig(srv)
	cfg.Password = signing.NewSecret("wrong-password-value")
	err = smtpTestNotifier(t, cfg).Send(ctx, n)
	if !errors.As(err, &perr) || perr.Code != 535 {
		t.Errorf("Send with a wrong password = %v, want a 535 *textproto.Error", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-password-value") {
		t.Errorf("error shows the password: %v", err)
	}

	cfg = smtpTestConfig(srv)
	cfg.Username, cfg.Password = "", signing.Secret{}
	err = smtpTestNotifier(t, cfg).Send(ctx, n)
	if !errors.As(err, &perr) || perr.Code/100 != 5 {
		t.Errorf("Send without AUTH to a server that requires it = %v, want a 5xx *textproto.Error", err)
	}
	if got := len(srv.messages()); got != 0 {
		t.Errorf("server received %d messages, want 0", got)
	}
}

func TestSMTPNotifierStartTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := mailTestNotification(checkout.NotifyShareLink, checkout.Vietnamese)
	serverTLS, clientTLS := smtpTestCert(t)

	// Offered: used, under either policy, and AUTH goes over TLS.
	for _, policy := range []checkout.StartTLSPolicy{checkout.StartTLSRequired, checkout.StartTLSLoopbackPlaintext} {
		srv := smtpTestStart(t, smtpTestServerOptions{startTLS: serverTLS})
		cfg := smtpTestConfig(srv)
		cfg.StartTLS, cfg.TLSConfig = policy, clientTLS
		if err := smtpTestNotifier(t, cfg).Send(ctx, n); err != nil {
			t.Fatalf("%v: Send: %v", policy, err)
		}
		if msgs := srv.messages(); len(msgs) != 1 || !msgs[0].tls {
			t.Errorf("%v: messages %d, want 1 over TLS", policy, len(msgs))
		}
	}

	// A certificate the client does not trust fails the upgrade.
	srv := smtpTestStart(t, smtpTestServerOptions{startTLS: serverTLS})
	cfg := smtpTestConfig(srv)
	cfg.StartTLS = checkout.StartTLSRequired
	if err := smtpTestNotifier(t, cfg).Send(ctx, n); err == nil || !strings.Contains(err.Error(), "starttls") {
		t.Errorf("Send with an untrusted certificate = %v, want a starttls error", err)
	}

	// Required but not offered: refused before any password or mail is sent.
	srv = smtpTestStart(t, smtpTestServerOptions{})
	cfg = smtpTestConfig(srv)
	cfg.StartTLS = checkout.StartTLSRequired
	if err := smtpTestNotifier(t, cfg).Send(ctx, n); !errors.Is(err, checkout.ErrSMTPInsecure) {
		t.Errorf("Send without STARTTLS offered = %v, want ErrSMTPInsecure", err)
	}
	if got := len(srv.messages()); got != 0 {
		t.Errorf("server received %d messages in plaintext, want 0", got)
	}

	// Implicit TLS (SMTPS).
	srv = smtpTestStart(t, smtpTestServerOptions{implicitTLS: serverTLS})
	cfg = smtpTestConfig(srv)
	cfg.StartTLS, cfg.TLSConfig = checkout.ImplicitTLS, clientTLS
	if err := smtpTestNotifier(t, cfg).Send(ctx, n); err != nil {
		t.Fatalf("implicit TLS: Send: %v", err)
	}
	if msgs := srv.messages(); len(msgs) != 1 || !msgs[0].tls {
		t.Errorf("implicit TLS: messages %d, want 1 over TLS", len(msgs))
	}
}

// smtpTestSilentServer accepts connections and never answers. accepted
// receives each connection once accepted.
func smtpTestSilentServer(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String(), ch
}

func TestSMTPNotifierHonoursContext(t *testing.T) {
	t.Parallel()
	n := mailTestNotification(checkout.NotifyOrderCompleted, checkout.English)

	addr, accepted := smtpTestSilentServer(t)
	// Timeout is far away: only ctx can end these Sends in time (a Send that
	// ignored ctx would hang the test until go test's own timeout).
	cfg := checkout.SMTPConfig{Addr: addr, From: "no-reply@thanhtoan.example",
		StartTLS: checkout.StartTLSLoopbackPlaintext, Timeout: time.Hour}
	nt := smtpTestNotifier(t, cfg)

	// A deadline: the greeting never comes, Send returns ctx's error.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := nt.Send(ctx, n); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send past the ctx deadline = %v, want context.DeadlineExceeded", err)
	}

	// A cancellation while waiting for the greeting.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- nt.Send(ctx, n) }()
	<-accepted
	<-accepted // the connection of this Send (the first one was the deadline's)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Send cancelled = %v, want context.Canceled", err)
	}

	// The configured Timeout bounds a Send whose ctx has no deadline.
	cfg.Timeout = 100 * time.Millisecond
	nt = smtpTestNotifier(t, cfg)
	if err := nt.Send(context.Background(), n); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send past the configured timeout = %v, want context.DeadlineExceeded", err)
	}
}

func TestNewSMTPNotifierValidates(t *testing.T) {
	t.Parallel()
	good := checkout.SMTPConfig{
		Addr:     "smtp.example.vn:587",
		From:     "no-reply@example.vn",
		Username: "mailer",
		Password: signing.NewSecret("pw"),
	}
	if _, err := checkout.NewSMTPNotifier(good); err != nil {
		t.Fatalf("NewSMTPNotifier(good) = %v", err)
	}
	for name, mutate := range map[string]func(*checkout.SMTPConfig){
		"empty addr":            func(c *checkout.SMTPConfig) { c.Addr = "" },
		"addr without port":     func(c *checkout.SMTPConfig) { c.Addr = "smtp.example.vn" },
		"addr without host":     func(c *checkout.SMTPConfig) { c.Addr = ":587" },
		"empty from":            func(c *checkout.SMTPConfig) { c.From = "" },
		"bad from":              func(c *checkout.SMTPConfig) { c.From = "no-reply" },
		"username, no password": func(c *checkout.SMTPConfig) { c.Password = signing.Secret{} },
		"password, no username": func(c *checkout.SMTPConfig) { c.Username = "" },
		"nul in password":       func(c *checkout.SMTPConfig) { c.Password = signing.NewSecret("a\x00b") },
		"crlf in username":      func(c *checkout.SMTPConfig) { c.Username = "a\r\nRSET" },
		"negative timeout":      func(c *checkout.SMTPConfig) { c.Timeout = -time.Second },
		"unknown policy":        func(c *checkout.SMTPConfig) { c.StartTLS = 42 },
		"plaintext to public ip": func(c *checkout.SMTPConfig) {
			c.StartTLS, c.Addr = checkout.StartTLSLoopbackPlaintext, "203.0.113.7:25"
		},
		"space in local name": func(c *checkout.SMTPConfig) { c.LocalName = "a b" },
	} {
		cfg := good
		mutate(&cfg)
		if _, err := checkout.NewSMTPNotifier(cfg); !errors.Is(err, checkout.ErrInvalidConfig) {
			t.Errorf("%s: NewSMTPNotifier = %v, want ErrInvalidConfig", name, err)
		}
	}
	cfg := good
	cfg.From = "no-reply@example.vn\r\nBcc: x@victim.example"
	if _, err := checkout.NewSMTPNotifier(cfg); !errors.Is(err, checkout.ErrHeaderInjection) {
		t.Errorf("line break in From: %v, want ErrHeaderInjection", err)
	}
	if _, err := checkout.NewSMTPNotifier(good, checkout.WithMailClock(nil)); !errors.Is(err, checkout.ErrInvalidConfig) {
		t.Errorf("WithMailClock(nil): %v, want ErrInvalidConfig", err)
	}
}

func TestSMTPConfigNeverShowsThePassword(t *testing.T) {
	t.Parallel()
	const pw = "Very-Secret-SMTP-Password-123"
	// A loopback port that nothing listens on any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	_ = l.Close()
	cfg := checkout.SMTPConfig{
		Addr: closedAddr, From: "no-reply@example.vn",
		Username: "mailer", Password: signing.NewSecret(pw),
		StartTLS: checkout.StartTLSLoopbackPlaintext, TLSConfig: &tls.Config{},
	}
	var logs bytes.Buffer
	nt, err := checkout.NewSMTPNotifier(cfg, checkout.WithMailLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v", cfg, cfg, cfg, cfg.Password, nt, *nt)
	if strings.Contains(out, pw) || strings.Contains(logs.String(), pw) {
		t.Fatalf("the password shows: %s %s", out, logs.String())
	}
	if !strings.Contains(out, signing.Redacted) {
		t.Errorf("%%v of the config does not say %s: %s", signing.Redacted, out)
	}

	// Nor in what a failed send returns or logs (the server is gone).
	err = nt.Send(context.Background(), mailTestNotification(checkout.NotifyOrderCompleted, checkout.English))
	if err == nil {
		t.Fatalf("Send to a closed port succeeded")
	}
	if strings.Contains(err.Error(), pw) || strings.Contains(logs.String(), pw) {
		t.Errorf("the password shows in %v / %s", err, logs.String())
	}
}

// An email whose address the server refuses for good (5.1.1) is dropped
// from the outbox, not retried at every Sweep; one refused for a reason a
// configuration change can cure (5.7.1, or the sender refused at RCPT:
// 5.1.8) stays for Sweep.
func TestOutboxDropsEmailToRefusedAddress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		refusal *gosmtp.SMTPError
		pending int
	}{
		{noSuchMailbox, 0},
		{&gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: "relaying denied"}, 1},
		{&gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 8}, Message: "<shop@example.vn>: Sender address rejected: Domain not found"}, 1},
	} {
		srv := smtpTestStart(t, smtpTestServerOptions{rejectRcpt: tc.refusal})
		store := checkout.NewMemoryStore()
		c, err := checkout.New(checkout.Config{BaseURL: baseURL, Store: store, Notifier: smtpTestNotifier(t, smtpTestConfig(srv)),
			Provisioner: checkout.ProvisionerFunc(func(context.Context, checkout.ProvisionRequest) error { return nil })})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := c.Credit("").TopUp(ctx, wallet.TopUpRequest{ID: "t", Customer: "an", Amount: decimal.NewFromInt(5000)}); err != nil {
			t.Fatal(err)
		}
		o, err := c.CreateOrder(ctx, checkout.OrderRequest{Customer: "an", Email: "gone@example.vn",
			Items: []checkout.LineItem{{Description: "VM", Quantity: 1, Amount: decimal.NewFromInt(5000)}}})
		if err != nil {
			t.Fatal(err)
		}
		if next, err := c.Pay(ctx, o.ID, checkout.PayRequest{Method: checkout.MethodCredit}); err != nil || next.Order.State != checkout.StateCompleted {
			t.Fatalf("pay: %s %v", next.Order.State, err)
		}
		pend, err := store.PendingNotifications(ctx, 10)
		if err != nil || len(pend) != tc.pending {
			t.Errorf("RCPT answered %v: %d notifications pending, %v; want %d", tc.refusal.EnhancedCode, len(pend), err, tc.pending)
		}
	}
}
