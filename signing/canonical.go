package signing

import (
	"slices"
	"strings"
)

// Join joins values with sep in the order given: the canonical string of
// gateways that list their signed fields explicitly ("a|b|c").
func Join(sep string, values ...string) string {
	return strings.Join(values, sep)
}

// Param is one named value of a request or callback.
type Param struct {
	Key, Value string
}

// SortParams sorts params by key in byte order, in place. Keys are expected
// to be unique; for equal keys the original order is kept.
func SortParams(params []Param) {
	slices.SortStableFunc(params, func(a, b Param) int { return strings.Compare(a.Key, b.Key) })
}

// JoinSorted joins the values of params ordered by key (byte order) with sep:
// the canonical string of gateways that sign "every parameter sent, in
// alphabetical order". params is not modified.
func JoinSorted(sep string, params []Param) string {
	sorted := slices.Clone(params)
	SortParams(sorted)
	return string(AppendJoinSorted(nil, sep, sorted))
}

// AppendJoinSorted appends the values of params, which must already be sorted
// by key (see [SortParams]), joined with sep, to dst. It is the
// allocation-free form of [JoinSorted] for hot paths.
func AppendJoinSorted(dst []byte, sep string, sorted []Param) []byte {
	for i, p := range sorted {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = append(dst, p.Value...)
	}
	return dst
}

// JoinMapSorted is [JoinSorted] for a map of key to value.
func JoinMapSorted(sep string, m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(m[k])
	}
	return b.String()
}
