package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// TestSkewedReplicaCannotStealClaim: the Redis server's clock decides whether an alert claim's
// lease ran out. A replica a year ahead cannot take a live claim over; one a year behind takes a
// lapsed claim over, and its renewal holds the claim for the lease from the server's now, not
// from its own. (Before, the script compared the lease with the claimer's now.)
func TestSkewedReplicaCannotStealClaim(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			st := store.New(srv.Client, srv.Prefix) // as `mdebot run` makes it
			c := newServerClock(t, srv)
			opts := func(owner string, now time.Time, lease time.Duration) store.ClaimOptions {
				return store.ClaimOptions{Owner: owner, Now: now, Lease: lease, Grace: 0, Retention: time.Hour}
			}
			live := store.AlertKey{Channel: "C1", AlertID: "live"}
			claim(t, st, opts("a", c.now(), time.Hour), store.AlertClaim{Key: live, Digest: "d"})
			res := claim(t, st, opts("b", c.now().Add(year), time.Hour), store.AlertClaim{Key: live, Digest: "d"})
			if res[0].Outcome != store.Busy {
				t.Errorf("a live claim, claimed by a replica a year ahead: %s, want busy", res[0].Outcome)
			}

			lapsed := store.AlertKey{Channel: "C1", AlertID: "lapsed"}
			ahead := c.now().Add(year)
			claim(t, st, opts("a", ahead, c.soon()), store.AlertClaim{Key: lapsed, Digest: "d"})
			c.pass(c.now())
			res = claim(t, st, opts("b", c.now().Add(-year), time.Hour), store.AlertClaim{Key: lapsed, Digest: "d"})
			if res[0].Outcome != store.TakenOver {
				t.Fatalf("a lapsed claim, claimed by a replica a year behind: %s, want takeover", res[0].Outcome)
			}
			if res[0].Prev.Attempt.After(c.now()) {
				t.Errorf("the attempt of a replica a year ahead is recorded at %v, after the server's now %v", res[0].Prev.Attempt, c.now())
			}
			w := st.AlertWrites("b", time.Hour)
			w.Renew(lapsed, c.now().Add(-year), time.Hour)
			if lost := exec(t, w); len(lost) > 0 {
				t.Fatalf("renewal lost %v", lost)
			}
			res = claim(t, st, opts("c", c.now(), time.Hour), store.AlertClaim{Key: lapsed, Digest: "d"})
			if res[0].Outcome != store.Busy {
				t.Errorf("a claim renewed by a replica a year behind, claimed by one with a right clock: %s, want busy", res[0].Outcome)
			}
		})
	}
}

// TestSkewedReplicaMutes: the Redis server's clock decides when a mute ends, when it is pruned
// and when its hash expires. A mute added by a replica a year behind lasts its duration; one a
// year ahead prunes no live mute; a poller whose clock is off neither drops live mutes nor keeps
// ended ones. (Before, the script pruned and set PEXPIREAT by the adder's clock, and Mutes
// compared the ends with the reader's.)
func TestSkewedReplicaMutes(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix)
			c := newServerClock(t, srv)
			add := func(value string, now time.Time, d time.Duration) store.Mute {
				t.Helper()
				m, err := st.AddMute(ctx, store.Mute{Kind: store.MuteTitle, Value: value, Reason: "test", Creator: "U1", Until: now.Add(d)}, now)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			ids := func(now time.Time) []string {
				t.Helper()
				ms, err := st.Mutes(ctx, now)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, m := range ms {
					out = append(out, m.Value)
				}
				slices.Sort(out)
				return out
			}
			behind := add("behind", c.now().Add(-year), time.Hour)
			if got := ids(c.now()); !slices.Equal(got, []string{"behind"}) {
				t.Fatalf("a mute for 1 h by a replica a year behind, read at once: %v", got)
			}
			if d := behind.Until.Sub(c.now()); d < 59*time.Minute || d > time.Hour {
				t.Errorf("a mute for 1 h by a replica a year behind ends in %v", d)
			}
			add("ahead", c.now().Add(year), time.Hour)
			for _, at := range []time.Time{c.now(), c.now().Add(year), c.now().Add(-year)} {
				if got := ids(at); !slices.Equal(got, []string{"ahead", "behind"}) {
					t.Errorf("live mutes read by a clock at %v: %v", at, got)
				}
			}
			ended := add("ended", c.now(), c.soon())
			c.pass(c.now())
			if got := ids(c.now().Add(-year)); slices.Contains(got, "ended") {
				t.Errorf("an ended mute, read by a replica a year behind: %v", got)
			}
			add("later", c.now().Add(-year), time.Hour)
			if n, err := srv.Client.HExists(ctx, srv.Prefix+":mutes:all", "m:"+ended.ID).Result(); err != nil || n {
				t.Errorf("an ended mute is still stored after a replica a year behind added one (%v)", err)
			}
			if ttl := srv.Client.PTTL(ctx, srv.Prefix+":mutes:all").Val(); ttl < 59*time.Minute || ttl > time.Hour {
				t.Errorf("the mutes' hash expires in %v, want the longest mute's hour", ttl)
			}
		})
	}
}
