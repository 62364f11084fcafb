package vtcpay

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Test credentials, the same as testdata/gen-vectors.sh uses; not a merchant's.
const (
	testWebsiteID = 123456
	testSecret    = "Thanhtoan2026SecretKey"
	testKeySign   = "TestKeySign2026"
	testReceiver  = "0963465816"
)

func testConfig() Config {
	return Config{
		WebsiteID:       testWebsiteID,
		SecretKey:       signing.NewSecret(testSecret),
		ReceiverAccount: testReceiver,
		KeySign:         signing.NewSecret(testKeySign),
	}
}

func newTestClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := New(testConfig(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type vector struct{ signed, digest string }

// vectors reads testdata/vectors.txt, made by gen-vectors.sh with openssl.
func vectors(t testing.TB) map[string]vector {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]vector{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("bad vector line %q", line)
		}
		out[parts[0]] = vector{parts[1], parts[2]}
	}
	return out
}

// signReturn signs a browser return the way the gateway does, independently
// of the code under test: values sorted by key, "|", the secret.
func signReturn(q url.Values, secret string) url.Values {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "signature" {
			keys = append(keys, k)
		}
	}
	sortStrings(keys)
	var vals []string
	for _, k := range keys {
		vals = append(vals, q.Get(k))
	}
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	out.Set("signature", signing.SHA256Hex(signing.Upper, strings.Join(vals, "|")+"|"+secret))
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func successReturn() url.Values {
	return url.Values{
		"amount": {"150000"}, "message": {"Thành công"}, "payment_type": {"VTCPay"},
		"reference_number": {"ORDER-1"}, "status": {"1"}, "trans_ref_no": {"990001"}, "website_id": {"123456"},
	}
}
