package command

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestLimit(t *testing.T) {
	var thousand strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&thousand, "csocbot plan -d live/unit-%d\n", i)
	}
	tests := []struct {
		name        string
		body        string
		max         int
		wantLines   []int // lines of the kept commands
		wantErrs    []int // lines of the kept errors
		wantIgnored int
	}{
		{"under the limit", "csocbot plan\ncsocbot help", 10, []int{1, 2}, nil, 0},
		{"repeats are dropped, not counted", "csocbot plan -u a\ncsocbot plan -u a\ncsocbot plan -u ./a/\ncsocbot help", 2, []int{1, 4}, nil, 0},
		{"a thousand lines", thousand.String(), 10, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, nil, 990},
		{"errors count in line order", "csocbot nope\ncsocbot plan\ncsocbot nope\ncsocbot plan -z\ncsocbot help", 2, []int{2}, []int{1}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds, errs := Parse("", tc.body)
			cmds, errs, ignored := Limit(cmds, errs, tc.max)
			var lines, errLines []int
			for _, c := range cmds {
				lines = append(lines, c.Line)
			}
			for _, e := range errs {
				errLines = append(errLines, e.Line)
			}
			if !reflect.DeepEqual(lines, tc.wantLines) || !reflect.DeepEqual(errLines, tc.wantErrs) || ignored != tc.wantIgnored {
				t.Errorf("kept commands at %v, errors at %v, ignored %d; want %v, %v, %d", lines, errLines, ignored, tc.wantLines, tc.wantErrs, tc.wantIgnored)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name, body string
		want       []Command
	}{
		{"plans of several units are one plan", "csocbot plan -u a -u b\ncsocbot help\ncsocbot plan -d c -u a",
			[]Command{{Name: Plan, Units: []string{"a", "b"}, Dirs: []string{"c"}, Line: 1}, {Name: Help, Line: 2}}},
		{"a plan of everything wins", "csocbot plan -d c\ncsocbot plan", []Command{{Name: Plan, Line: 1}}},
		{"approvals of several sets", "csocbot approve_policies a\ncsocbot approve_policies b a",
			[]Command{{Name: ApprovePolicies, PolicySets: []string{"a", "b"}, Line: 1}}},
		{"different commands stay apart", "csocbot apply -u a\ncsocbot plan -u a",
			[]Command{{Name: Apply, Units: []string{"a"}, Line: 1}, {Name: Plan, Units: []string{"a"}, Line: 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds, _ := Parse("", tc.body)
			if got := Merge(cmds); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Merge = %+v, want %+v", got, tc.want)
			}
		})
	}
}
