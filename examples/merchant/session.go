package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
)

// session is one browser's visit: who it plays (there is no login: a
// customer picker), its CSRF token, a message for the next page, and the
// order to go back to after linking a VinID wallet.
type session struct {
	id        string
	customer  string
	csrf      string
	flash     string
	flashErr  bool
	afterLink string // order ID
}

const (
	sessionCookie = "merchant_session"
	langCookie    = "merchant_lang"
	maxSessions   = 10_000
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// session returns the browser's session, starting one (with a cookie) if
// it has none or an unknown one. The returned copy is the caller's; save
// changes with setSession.
func (a *app) session(w http.ResponseWriter, r *http.Request) session {
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		s, ok := a.sessions[c.Value]
		a.mu.Unlock()
		if ok {
			return *s
		}
	}
	s := &session{id: randomHex(32), customer: customers[0].ID, csrf: randomHex(32)}
	a.mu.Lock()
	if len(a.sessions) >= maxSessions {
		// A demo keeps sessions in memory; forget them all rather than grow.
		a.sessions = map[string]*session{}
	}
	a.sessions[s.id] = s
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return *s
}

func (a *app) setSession(s session) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sessions[s.id] = &s
}

// flash sets the message the next page shows.
func (a *app) flash(s session, msg string, isErr bool) {
	s.flash, s.flashErr = msg, isErr
	a.setSession(s)
}

// takeFlash returns and clears the session's message.
func (a *app) takeFlash(s *session) (string, bool) {
	msg, isErr := s.flash, s.flashErr
	if msg != "" {
		s.flash, s.flashErr = "", false
		a.setSession(*s)
	}
	return msg, isErr
}

// checkCSRF reports whether a POST carries the session's token.
func checkCSRF(s session, r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// lang is the visitor's language: the cookie, else the site's default.
func (a *app) lang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range languages {
			if c.Value == l {
				return l
			}
		}
	}
	return a.cfg.Lang
}
