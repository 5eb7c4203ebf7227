package defender

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStreamPage(t *testing.T) {
	t.Parallel()
	type item struct {
		ID string `json:"id"`
	}
	for _, tc := range []struct {
		name, body string
		stopAt     int // stop after this many items; 0: never
		want       []string
		next       string
		count      int
		err        string
	}{
		{name: "value then nextLink", body: `{"@odata.context":"x","value":[{"id":"a"},{"id":"b","x":[1,{"y":2}]}],"@odata.nextLink":"https://h/n"}`,
			want: []string{"a", "b"}, next: "https://h/n", count: 2},
		{name: "nextLink first", body: `{"@odata.nextLink":"https://h/n","value":[{"id":"a"}]}`, want: []string{"a"}, next: "https://h/n", count: 1},
		{name: "empty", body: `{"value":[]}`, count: 0},
		{name: "null value", body: `{"value":null}`, count: 0},
		{name: "stopped early", body: `{"value":[{"id":"a"},{"id":"b"},{"id":"c"}]}`, stopAt: 2, want: []string{"a", "b"}, count: 2},
		{name: "not an object", body: `[{"id":"a"}]`, err: "unexpected JSON"},
		{name: "value not a list", body: `{"value":{"id":"a"}}`, err: "not a list"},
		{name: "cut short", body: `{"value":[{"id":"a"},{"id":`, want: []string{"a"}, err: "EOF"},
		{name: "bad item", body: `{"value":[{"id":7}]}`, err: "cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			var info pageInfo
			err := streamPage(json.NewDecoder(strings.NewReader(tc.body)), &info, func(v item) bool {
				got = append(got, v.ID)
				return tc.stopAt == 0 || len(got) < tc.stopAt
			})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if tc.err == "" && (info.NextLink != tc.next || info.Count != tc.count) {
				t.Errorf("info = %+v, want next %q count %d", info, tc.next, tc.count)
			}
		})
	}
}
