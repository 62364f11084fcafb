package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// main's path: flags, listen on a free loopback port, serve, print the
// URL, answer, and stop when the context ends (as on Ctrl+C).
func TestRunStartsServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-lang", "en"}, &stdout, &stderr, ready) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run ended before serving: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the site did not start")
	}
	if !strings.Contains(stdout.String(), "Open "+base+"/ in your browser") {
		t.Errorf("output does not give the URL %s:\n%s", base, stdout.String())
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Buy a cloud server") {
		t.Errorf("GET / = %d\n%s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.HasSuffix(stdout.String(), "stopped\n") {
		t.Errorf("no clean stop:\n%s", stdout.String())
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("the site still answers after stopping")
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-lang", "fr", "-addr", "127.0.0.1:0"},
		{"-addr", "127.0.0.1:0", "extra"},
		{"-sweep", "0"},
		{"-nope"},
	} {
		var out, errb syncBuffer
		if err := run(context.Background(), args, &out, &errb, nil); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}
