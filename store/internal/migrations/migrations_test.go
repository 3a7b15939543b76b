package migrations

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name      string
		files     []string
		want      []int
		wantNames []string
		wantErr   string
	}{
		{name: "in order", files: []string{"0002_b.sql", "0001_a.sql", "0010_c.txt"}, want: []int{1, 2}, wantNames: []string{"0001_a.sql", "0002_b.sql"}},
		{name: "gap", files: []string{"0001_a.sql", "0003_c.sql"}, wantErr: "migration m/0003_c.sql: version 3, want 2"},
		{name: "same version twice", files: []string{"0001_a.sql", "0001_b.sql"}, wantErr: "migration m/0001_b.sql: version 1, want 2"},
		{name: "not numbered", files: []string{"0001_a.sql", "extra.sql"}, wantErr: "migration m/extra.sql: name is not NNNN_description.sql"},
		{name: "number not a number", files: []string{"x_a.sql"}, wantErr: "migration m/x_a.sql: name is not NNNN_description.sql"},
		{name: "none", files: []string{"README"}, wantErr: "no migrations in m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT '" + f + "';")}
			}
			ms, err := Load(fsys, "m")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			var names []string
			for _, m := range ms {
				got = append(got, m.Version)
				names = append(names, m.Name)
				if want := "SELECT '" + m.Name + "';"; m.SQL != want {
					t.Errorf("%s: SQL %q, want %q", m.Name, m.SQL, want)
				}
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(names, tt.wantNames) {
				t.Errorf("versions %v %v, want %v %v", got, names, tt.want, tt.wantNames)
			}
		})
	}
}

func TestMustLoadPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "no migrations") {
			t.Errorf("recovered %v, want the error Load gives", r)
		}
	}()
	MustLoad(fstest.MapFS{}, "m")
}

// FuzzLoad checks that Load, given any file name, either refuses it or
// returns versions 1 to n.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{"0001_a.sql", "1_x.sql", "extra.sql", "0002_b.sql", "-1_a.sql", "+1_a.sql"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !fs.ValidPath(name) || strings.Contains(name, "/") {
			return
		}
		ms, err := Load(fstest.MapFS{"m/" + name: {Data: []byte("SELECT 1;")}}, "m")
		if err != nil {
			return
		}
		for i, m := range ms {
			if m.Version != i+1 {
				t.Fatalf("%q: versions not 1 to n: %+v", name, ms)
			}
		}
	})
}
