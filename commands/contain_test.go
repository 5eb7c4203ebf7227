package commands

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
)

// replica is another Approvals on the fixture's store and MDE, as a second replica runs it.
func (f *apprFixture) replica(t *testing.T, owner string) *Approvals {
	t.Helper()
	ap, err := NewApprovals(ApprovalsConfig{Store: f.st, MDE: f.env.Client, Authz: f.ap.authz, Policy: f.ap.policy,
		PortalURL: testPortal, Owner: owner, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// advance moves both clocks: the workflow's and the MDE fake's (actions progress on it).
func (f *apprFixture) advance(d time.Duration) {
	f.env.Fake.Advance(d)
	f.clock.Advance(d)
}

// isolatedFor requests an isolation of alice's laptop for d, approves and runs it.
func (f *apprFixture) isolatedFor(t *testing.T, d string) Approval {
	t.Helper()
	req := f.request(t, requester, "isolate "+mdefake.DemoAlice+" for "+d+" beaconing")
	if o := f.ap.Decide(t.Context(), req.ID, lead, Approve, "", f.card(req.ID)); !o.Run {
		t.Fatalf("approve: %+v", o)
	}
	o := f.ap.Execute(t.Context(), req.ID)
	if o.Approval.Contain.State != store.ReleaseScheduled {
		t.Fatalf("after the run: %+v", o.Approval.Contain)
	}
	return o.Approval
}

// sweepAll runs ContainmentsDue on every replica at once and returns all their steps.
func sweepAll(t *testing.T, reps ...*Approvals) []TimedStep {
	t.Helper()
	var mu sync.Mutex
	var all []TimedStep
	var wg sync.WaitGroup
	for _, r := range reps {
		wg.Go(func() {
			steps, err := r.ContainmentsDue(t.Context())
			if err != nil {
				t.Errorf("ContainmentsDue: %v", err)
			}
			mu.Lock()
			all = append(all, steps...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

func count(steps []TimedStep, pick func(TimedStep) bool) int {
	n := 0
	for _, s := range steps {
		if pick(s) {
			n++
		}
	}
	return n
}

// An isolation for 30 minutes is reminded once 15 minutes before, and released once, on time,
// by whichever replica holds the work when it is due; the replica that approved and ran it takes
// no part after it is gone.
func TestTimedIsolationReleasedOnceOnTime(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ap := f.isolatedFor(t, "30m")
	if !ap.Contain.Until.Equal(f.clock.Now().Add(30 * time.Minute)) {
		t.Fatalf("ends %v, want 30m after it ran", ap.Contain.Until)
	}
	b, c := f.replica(t, "b"), f.replica(t, "c") // f.ap, which ran it, is stopped from here on
	f.advance(time.Minute)                       // the isolation succeeds in Defender
	for _, at := range []time.Duration{13 * time.Minute} {
		f.advance(at)
		if steps := sweepAll(t, b, c); len(steps) != 0 {
			t.Fatalf("at %v: steps %+v", f.clock.Now(), steps)
		}
	}
	f.advance(time.Minute) // 15 minutes before the end
	if n := count(sweepAll(t, b, c), func(s TimedStep) bool { return s.Remind }); n != 1 {
		t.Fatalf("%d reminders, want 1", n)
	}
	f.advance(15*time.Minute - time.Second)
	if steps := sweepAll(t, b, c, b, c); len(steps) != 0 || len(f.posts("/unisolate")) != 0 {
		t.Fatalf("a second before the end: steps %+v, %d releases", steps, len(f.posts("/unisolate")))
	}
	f.advance(time.Second)
	steps := sweepAll(t, b, c, b, c)
	if n := count(steps, func(s TimedStep) bool { return s.Released }); n != 1 || len(f.posts("/unisolate")) != 1 {
		t.Fatalf("at the end: %d released steps, %d releases sent; want 1 and 1", n, len(f.posts("/unisolate")))
	}
	got, _ := f.ap.Get(t.Context(), ap.ID)
	if got.Contain.State != store.ReleaseReleased || !strings.HasPrefix(comment(t, f.posts("/unisolate")[0]), "mdebot "+ap.ID+": timed release") {
		t.Errorf("after: %+v, comment %q", got.Contain, comment(t, f.posts("/unisolate")[0]))
	}
	f.advance(time.Minute)
	steps = sweepAll(t, b, c)
	if n := count(steps, func(s TimedStep) bool { return s.Progress }); n != 1 || len(f.posts("/unisolate")) != 1 {
		t.Errorf("following the release: %d progress steps, %d releases", n, len(f.posts("/unisolate")))
	}
	if got, _ = f.ap.Get(t.Context(), ap.ID); got.Contain.ActionStatus != string(defender.ActionSucceeded) {
		t.Errorf("release action status %q", got.Contain.ActionStatus)
	}
	f.advance(time.Hour)
	if steps := sweepAll(t, b, c); len(steps) != 0 || len(f.posts("/unisolate")) != 1 {
		t.Errorf("an hour later: %+v, %d releases", steps, len(f.posts("/unisolate")))
	}
}

// A replica that claimed the release and stopped, before or after sending it: another takes the
// work over when the claim's lease ran out, never before, and sends the release only if Defender
// has none from it.
func TestTimedReleaseTakenOverAfterACrash(t *testing.T) {
	t.Parallel()
	for _, sent := range []bool{false, true} {
		f := newApprFixture(t, ApprovalPolicy{})
		ap := f.isolatedFor(t, "15m")
		f.advance(15 * time.Minute)
		tr, err := f.st.TimedTick(t.Context(), ap.ID, store.TimedLook{Owner: "dead", Now: f.clock.Now(), Lease: releaseLease, Lead: RemindBefore, Poll: releasePoll})
		if err != nil || tr.Outcome != store.OutcomeRelease {
			t.Fatalf("the dead replica's claim: %v %v", tr.Outcome, err)
		}
		if sent {
			if _, err := f.env.Client.Unisolate(t.Context(), ap.Request.MachineID, f.ap.releaseComment(t.Context(), ap)); err != nil {
				t.Fatal(err)
			}
		}
		before := len(f.posts("/unisolate"))
		live := f.replica(t, "live")
		f.advance(releaseLease - time.Second)
		if steps := sweepAll(t, live); len(steps) != 0 || len(f.posts("/unisolate")) != before {
			t.Fatalf("sent=%v: within the lease: %+v", sent, steps)
		}
		f.advance(time.Second)
		if n := count(sweepAll(t, live, live), func(s TimedStep) bool { return s.Released }); n != 1 {
			t.Fatalf("sent=%v: %d releases decided after the lease", sent, n)
		}
		if n := len(f.posts("/unisolate")); n != 1 {
			t.Errorf("sent=%v: %d releases sent in all, want 1", sent, n)
		}
		got, _ := f.ap.Get(t.Context(), ap.ID)
		if got.Contain.State != store.ReleaseReleased || got.Contain.ActionID == "" {
			t.Errorf("sent=%v: %+v", sent, got.Contain)
		}
	}
}

// A release done by hand in Defender before the end is noticed: nothing is sent, and the card
// says who released it.
func TestTimedReleaseAlreadyDoneByHand(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ap := f.isolatedFor(t, "30m")
	f.advance(time.Minute)
	if _, err := f.env.Client.Unisolate(t.Context(), ap.Request.MachineID, "released by hand in the portal"); err != nil {
		t.Fatal(err)
	}
	f.advance(30 * time.Minute)
	steps := sweepAll(t, f.ap)
	if len(f.posts("/unisolate")) != 1 {
		t.Fatalf("%d releases sent, want only the one by hand", len(f.posts("/unisolate")))
	}
	got, _ := f.ap.Get(t.Context(), ap.ID)
	if got.Contain.State != store.ReleaseSkipped || !strings.Contains(got.Contain.Result, "already released in Defender") || len(steps) != 1 {
		t.Errorf("after: %+v, steps %d", got.Contain, len(steps))
	}
}

// An isolation still pending at its end (the device was offline) is cancelled, not released.
func TestTimedIsolationStillPendingIsCancelled(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	f.env.Fake.SetActionTimeline(time.Hour, time.Hour)
	ap := f.isolatedFor(t, "15m")
	f.advance(15 * time.Minute)
	sweepAll(t, f.ap)
	if len(f.posts("/unisolate")) != 0 || len(f.posts("/cancel")) != 1 {
		t.Fatalf("%d releases, %d cancels", len(f.posts("/unisolate")), len(f.posts("/cancel")))
	}
	if a, _ := f.env.Fake.Action(ap.ActionID); a.Status != mdefake.StatusCancelled {
		t.Errorf("the isolation is %s", a.Status)
	}
}

// Extend moves the end once per approved extension, under the policy of isolate; cancel of the
// timed release needs the policy of release; both are refused once the release is no longer
// scheduled.
func TestExtendAndCancelTimedRelease(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{Verbs: map[string]Need{"isolate": 1, "release": 2}})
	ap := f.isolatedFor(t, "30m")
	until := ap.Contain.Until
	ext := f.request(t, requester, "extend "+ap.ID+" 4h forensics still running")
	if ext.Required != 1 || ext.Request.PolicyVerb != "isolate" {
		t.Fatalf("extension needs %d (%s)", ext.Required, ext.Request.PolicyVerb)
	}
	f.ap.Decide(t.Context(), ext.ID, lead, Approve, "", f.card(ext.ID))
	for range 2 {
		f.ap.Execute(t.Context(), ext.ID)
	}
	got, _ := f.ap.Get(t.Context(), ap.ID)
	if !got.Contain.Until.Equal(until.Add(4*time.Hour)) || got.Contain.Extensions != 1 {
		t.Fatalf("after one approved extension: %+v", got.Contain)
	}
	ext2 := f.request(t, requester, "extend "+ap.ID+" 1h more")
	f.ap.Decide(t.Context(), ext2.ID, lead, Approve, "", f.card(ext2.ID))
	f.ap.Execute(t.Context(), ext2.ID)
	if got, _ = f.ap.Get(t.Context(), ap.ID); !got.Contain.Until.Equal(until.Add(5*time.Hour)) || got.Contain.Extensions != 2 {
		t.Fatalf("after a second extension: %+v", got.Contain)
	}
	if resp := f.as(t, requester, "extend "+ap.ID+" 7d too long"); !strings.Contains(resp.Text, "within 7 days") {
		t.Errorf("an extension past 7 days: %q", resp.Text)
	}
	cancel := f.request(t, requester, "cancel "+ap.ID+" keep it isolated")
	if cancel.Required != 2 || cancel.Request.PolicyVerb != "release" {
		t.Fatalf("cancel of the timed release needs %d (%s), want release's 2", cancel.Required, cancel.Request.PolicyVerb)
	}
	f.ap.Decide(t.Context(), cancel.ID, lead, Approve, "", f.card(cancel.ID))
	f.ap.Decide(t.Context(), cancel.ID, lead2, Approve, "", f.card(cancel.ID))
	if o := f.ap.Execute(t.Context(), cancel.ID); o.Approval.State != ApprovalDone {
		t.Fatalf("cancel: %+v", o.Approval)
	}
	f.advance(6 * time.Hour)
	sweepAll(t, f.ap)
	if len(f.posts("/unisolate")) != 0 {
		t.Error("a cancelled timed release was sent")
	}
	if resp := f.as(t, requester, "extend "+ap.ID+" 1h more"); !strings.Contains(resp.Text, "no longer scheduled") {
		t.Errorf("extending a cancelled release: %q", resp.Text)
	}
}

// The duration is checked: 15m to 7d; bad input changes nothing.
func TestContainDurationBounds(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	for _, tc := range []struct{ text, want string }{
		{"isolate " + mdefake.DemoAlice + " for 10m x", "from 15m to 7d"},
		{"isolate " + mdefake.DemoAlice + " for 8d x", "from 15m to 7d"},
		{"restrict " + mdefake.DemoAlice + " for soon x", "from 15m to 7d"},
		{"isolate " + mdefake.DemoAlice + " for", "for how long"},
		{"extend req-aaaaaaaa 4h x", "There is no request"},
		{"extend " + mdefake.DemoAlice + " 4h x", "request id"},
	} {
		if resp := f.as(t, requester, tc.text); !strings.Contains(resp.Text, tc.want) || resp.Approval != nil {
			t.Errorf("%q: %q, want %q", tc.text, resp.Text, tc.want)
		}
	}
	if ids, _ := f.st.TimedRequests(t.Context(), 10); len(ids) != 0 {
		t.Errorf("refused requests scheduled %v", ids)
	}
}

// A typed release of a device with a scheduled timed release ends that one early: nothing more
// is sent at the end.
func TestEarlyReleaseSupersedesTheTimedOne(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ap := f.isolatedFor(t, "30m")
	f.advance(time.Minute)
	rel := f.request(t, requester, "release "+mdefake.DemoAlice+" clean now")
	if rel.Request.ReleaseOf != ap.ID {
		t.Fatalf("release_of %q, want %s", rel.Request.ReleaseOf, ap.ID)
	}
	f.ap.Decide(t.Context(), rel.ID, lead, Approve, "", f.card(rel.ID))
	f.ap.Execute(t.Context(), rel.ID)
	got, _ := f.ap.Get(t.Context(), ap.ID)
	if got.Contain.State != store.ReleaseSuperseded {
		t.Fatalf("timed release after the early one: %+v", got.Contain)
	}
	f.advance(time.Hour)
	sweepAll(t, f.ap)
	if n := len(f.posts("/unisolate")); n != 1 {
		t.Errorf("%d releases sent, want the early one only", n)
	}
}
