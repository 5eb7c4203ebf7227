package storetest_test

import (
	"os"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

func TestServers(t *testing.T) {
	t.Parallel()
	want := 1
	if os.Getenv(storetest.EnvURL) != "" {
		want = 2
	}
	var kept []storetest.Server
	t.Run("inner", func(t *testing.T) {
		servers := storetest.Servers(t)
		if len(servers) != want {
			t.Fatalf("got %d servers, want %d", len(servers), want)
		}
		for _, srv := range servers {
			if err := srv.Client.Set(t.Context(), srv.Prefix+":k", "v", time.Minute).Err(); err != nil {
				t.Fatalf("%s: SET: %v", srv.Name, err)
			}
			if (srv.FastForward != nil) != (srv.Name == "embedded") {
				t.Errorf("%s: FastForward set = %v", srv.Name, srv.FastForward != nil)
			}
			if (srv.SetTime != nil) != (srv.Name == "embedded") {
				t.Errorf("%s: SetTime set = %v", srv.Name, srv.SetTime != nil)
			}
			if srv.SetTime != nil {
				at := time.Date(2031, 1, 2, 3, 4, 5, 6000, time.UTC)
				srv.SetTime(at)
				if got, err := srv.Client.Time(t.Context()).Result(); err != nil || !got.Equal(at) {
					t.Errorf("%s: TIME after SetTime(%v) = %v, %v", srv.Name, at, got, err)
				}
			}
		}
		kept = servers
	})
	// After the inner test the embedded server is gone and the real one's
	// keys under the prefix are deleted (its client is closed too).
	for _, srv := range kept {
		if err := srv.Client.Ping(t.Context()).Err(); err == nil {
			t.Errorf("%s: client still open after the test ended", srv.Name)
		}
	}
	if want == 2 {
		checkDeleted(t, kept[1].Prefix)
	}
}

func TestPrefixUnique(t *testing.T) {
	t.Parallel()
	if a, b := storetest.Prefix(t), storetest.Prefix(t); a == b {
		t.Errorf("Prefix returned %q twice", a)
	}
}

// checkDeleted opens its own client to the real server and checks that no
// key under prefix is left.
func checkDeleted(t *testing.T, prefix string) {
	t.Helper()
	rdb, err := store.Open(t.Context(), os.Getenv(storetest.EnvURL), store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	keys, err := rdb.Keys(t.Context(), prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("keys left after cleanup: %v", keys)
	}
}
