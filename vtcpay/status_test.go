package vtcpay

import "testing"

func TestStatusTable(t *testing.T) {
	t.Parallel()
	want := map[Status]Outcome{
		0: OutcomeUnknown, 1: OutcomeSucceeded, 7: OutcomePendingReview,
		-1: OutcomeFailed, -9: OutcomeFailed, -3: OutcomeFailed, -4: OutcomeFailed, -5: OutcomeFailed,
		-6: OutcomeFailed, -7: OutcomeFailed, -8: OutcomeFailed, -22: OutcomeFailed, -24: OutcomeFailed,
		-25: OutcomeFailed, -28: OutcomeFailed, -29: OutcomeFailed,
		-21: OutcomeUnknown, -23: OutcomeUnknown, -99: OutcomeUnknown,
	}
	all := Statuses()
	if len(all) != len(want) {
		t.Fatalf("Statuses() has %d codes, the seed's table %d", len(all), len(want))
	}
	seenEN, seenVI := map[string]bool{}, map[string]bool{}
	for _, s := range all {
		o, ok := want[s]
		if !ok {
			t.Errorf("status %d is not in the seed's table", s)
			continue
		}
		if !s.Known() || s.Outcome() != o {
			t.Errorf("status %d: Known %v, Outcome %v, want %v", s, s.Known(), s.Outcome(), o)
		}
		if s.Meaning() == "" || s.MeaningVI() == "" || seenEN[s.Meaning()] || seenVI[s.MeaningVI()] {
			t.Errorf("status %d: meanings %q / %q missing or repeated", s, s.Meaning(), s.MeaningVI())
		}
		seenEN[s.Meaning()], seenVI[s.MeaningVI()] = true, true
	}
	for _, s := range []Status{2, -2, -100, 99} {
		if s.Known() || s.Outcome() != OutcomeUnknown {
			t.Errorf("status %d not in the table: Known %v, Outcome %v", s, s.Known(), s.Outcome())
		}
	}
	if got := StatusSuccess.String(); got != "1 (successful transaction)" {
		t.Errorf("String() = %q", got)
	}
	for o, s := range map[Outcome]string{OutcomeUnknown: "unknown", OutcomeSucceeded: "succeeded", OutcomePendingReview: "pending review", OutcomeFailed: "failed"} {
		if o.String() != s {
			t.Errorf("%d.String() = %q", o, o.String())
		}
	}
}
