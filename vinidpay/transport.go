package vinidpay

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/thanhtoan/thanhtoan/signing"
)

// ErrOutcomeUnknown is returned when a payment, confirmation, refund or
// unlink request may have reached VinID but no usable answer came back (a
// network error after sending, a timeout, an unreadable body). The request
// is not retried: query the order (or the link) before trying again.
var ErrOutcomeUnknown = errors.New("vinidpay: outcome unknown")

// call is one HTTP exchange with VinID.
type call struct {
	op     string
	method string
	base   string
	path   string
	body   []byte // nil for GET
	// query: idempotent, may be retried with a fresh nonce and signature.
	query bool
}

// marshalBody serialises v once, without HTML escaping: these are the
// exact bytes that are signed and sent.
func marshalBody(op string, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("vinidpay: %s: encode body: %w", op, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// signBase64 is SHA256withRSA (PKCS#1 v1.5) of msg with the merchant key,
// in standard padded base64.
func (c *Client) signBase64(msg []byte) (string, error) {
	digest := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, c.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("vinidpay: rsa sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// signedHeaders returns X-Nonce, X-Timestamp and X-Signature for one
// attempt of cl.
func (c *Client) signedHeaders(cl *call) (nonce string, ts int64, sig string, err error) {
	nonce, err = c.nonce()
	if err != nil {
		return "", 0, "", fmt.Errorf("vinidpay: %s: %w", cl.op, err)
	}
	if nonce == "" || len(nonce) > 255 || strings.ContainsAny(nonce, ";\r\n") {
		return "", 0, "", fmt.Errorf("vinidpay: %s: %w: nonce source returned an unusable nonce", cl.op, ErrInvalidConfig)
	}
	ts = c.clock().Unix()
	msg := HeaderSigningString(make([]byte, 0, 128+len(cl.path)+len(cl.body)), cl.path, cl.method, nonce, ts, c.keyCode.Reveal(), cl.body)
	sig, err = c.signBase64(msg)
	if err != nil {
		return "", 0, "", fmt.Errorf("vinidpay: %s: %w", cl.op, err)
	}
	return nonce, ts, sig, nil
}

type meta struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

type envelope struct {
	Meta *meta           `json:"meta"`
	Data json.RawMessage `json:"data"`
}

// do sends cl and decodes the data of a meta.code 200 answer into out
// (which may be nil). Queries are retried on network errors and 5xx
// answers; nothing else is.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	if ctx == nil {
		return fmt.Errorf("vinidpay: %s: %w: nil context", cl.op, ErrInvalidRequest)
	}
	attempts := 1
	if cl.query {
		attempts += c.queryRetries
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			wait := c.retryWait << (i - 1)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("vinidpay: %s: %w (after %v)", cl.op, ctx.Err(), err)
			case <-t.C:
			}
		}
		var retry bool
		retry, err = c.attempt(ctx, &cl, i+1, out)
		if err == nil || !retry || !cl.query {
			return err
		}
	}
	return err
}

// attempt makes one exchange. retry tells whether a query may try again.
func (c *Client) attempt(ctx context.Context, cl *call, n int, out any) (retry bool, err error) {
	nonce, ts, sig, err := c.signedHeaders(cl)
	if err != nil {
		return false, err
	}
	req := c.http.R().
		SetContext(ctx).
		SetDoNotParseResponse(true).
		SetHeader("Accept", "application/json").
		SetHeader(HeaderKeyCode, c.keyCode.Reveal()).
		SetHeader(HeaderNonce, nonce).
		SetHeader(HeaderTimestamp, strconv.FormatInt(ts, 10)).
		SetHeader(HeaderSignature, sig)
	if cl.body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(cl.body)
	}
	start := time.Now()
	resp, err := req.Execute(cl.method, cl.base+cl.path)
	if err != nil {
		c.log.LogAttrs(ctx, logLevelWarn, "vinidpay request failed", logAttrs(cl, n, 0, time.Since(start))...)
		if ctxErr := ctx.Err(); ctxErr != nil {
			if cl.query {
				return false, fmt.Errorf("vinidpay: %s: %w", cl.op, ctxErr)
			}
			return false, fmt.Errorf("vinidpay: %s: %w: %w", cl.op, ErrOutcomeUnknown, ctxErr)
		}
		if cl.query {
			return true, fmt.Errorf("vinidpay: %s: %w", cl.op, err)
		}
		if notSent(err) {
			// Nothing reached VinID: the request failed, with no doubt.
			return false, fmt.Errorf("vinidpay: %s: request not sent: %w", cl.op, err)
		}
		return false, fmt.Errorf("vinidpay: %s: %w: %w", cl.op, ErrOutcomeUnknown, err)
	}
	raw := resp.RawBody()
	defer raw.Close()
	body, err := io.ReadAll(io.LimitReader(raw, c.maxBody+1))
	status := resp.StatusCode()
	c.log.LogAttrs(ctx, logLevelDebug, "vinidpay request", logAttrs(cl, n, status, time.Since(start))...)
	if err != nil {
		if cl.query {
			return true, fmt.Errorf("vinidpay: %s: read response: %w", cl.op, err)
		}
		return false, fmt.Errorf("vinidpay: %s: %w: read response: %w", cl.op, ErrOutcomeUnknown, err)
	}
	return c.handleResponse(cl, nonce, status, resp.Header(), body, out)
}

// handleResponse verifies and then parses one answer: the size cap, the
// response signature, the envelope, meta.code and the data.
func (c *Client) handleResponse(cl *call, nonce string, status int, h http.Header, body []byte, out any) (retry bool, err error) {
	if int64(len(body)) > c.maxBody {
		return false, c.unknownIfWrite(cl, malformed(cl.op, "response larger than %d bytes", c.maxBody))
	}
	if err := c.verifyResponse(cl, nonce, h, body); err != nil {
		return false, err
	}
	var env envelope
	if jerr := json.Unmarshal(body, &env); jerr != nil || env.Meta == nil {
		if status < 200 || status > 299 {
			apiErr := &APIError{Op: cl.op, HTTPStatus: status, RequestID: h.Get(HeaderRequestID)}
			return cl.query && apiErr.Temporary(), apiErr
		}
		return false, c.unknownIfWrite(cl, malformed(cl.op, "response is not a meta/data envelope"))
	}
	if env.Meta.Code == 0 && status >= 200 && status <= 299 {
		// The seed's examples of the link-wallet, create and confirm answers
		// carry `"meta": {}`: an answer that names no code refuses nothing.
		// For a write it is an unknown outcome (VinID may have charged).
		return false, c.unknownIfWrite(cl, malformed(cl.op, "response meta has no code"))
	}
	if env.Meta.Code != http.StatusOK {
		apiErr := &APIError{Op: cl.op, HTTPStatus: status, Code: env.Meta.Code, Message: env.Meta.Message, RequestID: env.Meta.RequestID}
		if apiErr.RequestID == "" {
			apiErr.RequestID = h.Get(HeaderRequestID)
		}
		return cl.query && apiErr.Temporary(), apiErr
	}
	if out == nil {
		return false, nil
	}
	if len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")) {
		return false, c.unknownIfWrite(cl, malformed(cl.op, "response has no data"))
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return false, c.unknownIfWrite(cl, malformed(cl.op, "response data: %v", err))
	}
	return false, nil
}

// unknownIfWrite marks an unreadable answer to a write as an unknown
// outcome: VinID may have acted on it.
func (c *Client) unknownIfWrite(cl *call, err error) error {
	if cl.query {
		return err
	}
	return fmt.Errorf("%w (%w)", err, ErrOutcomeUnknown)
}

// verifyResponse checks the response's X-Signature (see
// ResponseVerification) before anything in the body is parsed.
func (c *Client) verifyResponse(cl *call, nonce string, h http.Header, body []byte) error {
	sig := h.Get(HeaderSignature)
	if sig == "" {
		if c.respVerify == RequireSignedResponses {
			return fmt.Errorf("vinidpay: %s: %w: response is not signed", cl.op, ErrInvalidSignature)
		}
		return nil
	}
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("vinidpay: %s: %w: response X-Timestamp missing or not a number", cl.op, ErrInvalidSignature)
	}
	msg := HeaderSigningString(nil, cl.path, cl.method, nonce, ts, c.keyCode.Reveal(), body)
	if err := signing.VerifySHA256Base64(msg, sig, c.vinidKeys...); err != nil {
		return fmt.Errorf("vinidpay: %s: response: %w", cl.op, err)
	}
	return nil
}

// notSent reports errors that happen before a request can reach the
// server: name resolution and connection set-up.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

const (
	logLevelDebug = slog.LevelDebug
	logLevelWarn  = slog.LevelWarn
)

func logAttrs(cl *call, attempt, status int, d time.Duration) []slog.Attr {
	return []slog.Attr{
		slog.String("op", cl.op),
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("attempt", attempt),
		slog.Int("status", status),
		slog.Duration("duration", d),
	}
}
