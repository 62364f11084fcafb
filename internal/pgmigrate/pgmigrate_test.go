package pgmigrate

import (
	"context"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	good := fstest.MapFS{
		"m/010_later.sql": {Data: []byte("B")},
		"m/2_second.sql":  {Data: []byte("A2")},
		"m/001_init.sql":  {Data: []byte("A1")},
		"m/readme.txt":    {Data: []byte("not a migration")},
	}
	ms, err := Load(good, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, m := range ms {
		got = append(got, m.Version)
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 10 || ms[0].SQL != "A1" || ms[2].Name != "010_later.sql" {
		t.Fatalf("Load = %+v", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no number":      {"m/init.sql": {}},
		"zero":           {"m/000_init.sql": {}},
		"shared version": {"m/001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestApplyRefusesBadInput(t *testing.T) {
	t.Parallel()
	if err := Apply(context.Background(), nil, nil, "t", "l"); err == nil {
		t.Error("nil pool accepted")
	}
	for _, table := range []string{"", "Bad", "x; DROP TABLE y", "1abc", "a-b"} {
		if isIdent(table) {
			t.Errorf("isIdent(%q) = true", table)
		}
	}
	if !isIdent("wallet_schema_migrations") {
		t.Error("isIdent refuses a plain name")
	}
}
