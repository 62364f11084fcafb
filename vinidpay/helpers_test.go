package vinidpay_test

import (
	"sync"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// keys are made once per test binary: RSA key generation is slow.
var keys = sync.OnceValues(vinidpaytest.GenerateKeys)

// t0 is a fixed start time: 10:00 Vietnam time on a weekday.
var t0 = time.Date(2024, 5, 14, 3, 0, 0, 0, time.UTC)

type env struct {
	fake   *vinidpaytest.Server
	client *vinidpay.Client
	clock  *vinidpaytest.Clock
}

func newEnv(t testing.TB, opts ...vinidpaytest.Option) *env {
	t.Helper()
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	clock := vinidpaytest.NewClock(t0)
	fake, err := vinidpaytest.NewServer(vinidpaytest.Config{Keys: k}, append([]vinidpaytest.Option{vinidpaytest.WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	client, err := fake.NewClient(vinidpay.WithClock(clock.Now), vinidpay.WithQueryRetries(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: fake, client: client, clock: clock}
}

func signingSecret(s string) signing.Secret { return signing.NewSecret(s) }
