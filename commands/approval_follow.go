package commands

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// sweepBatch is how many requests one sweep looks at per kind.
const sweepBatch = 100

// ExpireDue expires the pending requests whose time is up and returns them, for their cards.
// Every replica may run it: each request expires once.
func (a *Approvals) ExpireDue(ctx context.Context) ([]Approval, error) {
	now := a.now()
	ids, err := a.st.DueApprovals(ctx, now, sweepBatch)
	if err != nil {
		return nil, err
	}
	var out []Approval
	for _, id := range ids {
		tr, err := a.st.ExpireApproval(ctx, id, now, "no decision before it expired")
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		if tr.Outcome != store.OutcomeChanged {
			continue
		}
		ap, err := fromStore(tr.Approval)
		if err != nil {
			a.log.Error("decode request", "request", id, "err", err)
			continue
		}
		a.record(ctx, ap, "expired", botActor, "", fmt.Sprintf("%d of %d approvals when it expired", len(ap.Votes), ap.Required))
		out = append(out, ap)
	}
	return out, nil
}

func actionTypeOf(verb string) defender.ActionType {
	switch verb {
	case "isolate":
		return defender.ActionIsolate
	case "release":
		return defender.ActionUnisolate
	case "restrict":
		return defender.ActionRestrict
	case "unrestrict":
		return defender.ActionUnrestrict
	case "scan":
		return defender.ActionScan
	case "collect":
		return defender.ActionCollectPackage
	case "quarantine":
		return defender.ActionStopAndQuarantine
	}
	return ""
}

// Followed returns the requests whose MDE action is still followed.
func (a *Approvals) Followed(ctx context.Context) ([]string, error) {
	return a.st.FollowedApprovals(ctx, sweepBatch)
}

// Progress is what one look at a followed action found.
type Progress struct {
	Outcome
	// PackageURL is the investigation package link, set once (to the caller that posts it) when a
	// collection succeeded; PackageExpires is when the link stops working, when it says.
	PackageURL     string
	PackageExpires time.Time
}

// Poll asks MDE for the action of request id, when it is due (at most once per interval across
// replicas, less often as the action ages, to spare MDE's shared rate limit), and records a new
// status, once per change (Changed goes to the caller that recorded it). A succeeded collection
// stays followed until its package link is posted.
func (a *Approvals) Poll(ctx context.Context, id string) (Progress, error) {
	ap, err := a.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Progress{}, a.st.UnfollowApproval(ctx, id)
	}
	if err != nil {
		return Progress{}, err
	}
	p := Progress{Outcome: Outcome{Approval: ap}}
	if !ap.Followed() && !wantsPackage(ap) {
		return p, a.st.UnfollowApproval(ctx, id)
	}
	now := a.now()
	interval := pollInterval(now.Sub(ap.ExecutedAt))
	if wantsPackage(ap) {
		interval = packageEvery
	}
	tr, err := a.st.ClaimPoll(ctx, id, now, interval)
	if err != nil || tr.Outcome != store.OutcomeChanged {
		return p, err
	}
	if ap.Followed() {
		act, err := a.mde.GetMachineAction(ctx, ap.ActionID)
		if err != nil {
			return p, err
		}
		tr, err := a.st.SetActionStatus(ctx, id, string(act.Status), now)
		if err != nil {
			return p, err
		}
		if ap, err = fromStore(tr.Approval); err != nil {
			return p, err
		}
		p.Approval = ap
		if ap.Followed() {
			// To the back of the queue, so that a sweep's batch reaches every followed action.
			_ = a.st.FollowApproval(ctx, id, now)
		}
		if tr.Outcome == store.OutcomeChanged {
			p.Changed = true
			if defender.ActionStatus(ap.ActionStatus).Final() {
				a.record(ctx, ap, strings.ToLower(ap.ActionStatus), botActor, ap.ActionID, "Defender: "+ap.ActionStatus)
			}
		}
	}
	if wantsPackage(ap) {
		p.PackageURL, p.PackageExpires = a.packageLink(ctx, ap, now)
	}
	return p, nil
}

// Polling cadence: often while an action is young, rarely once it waits for an offline device.
const packageEvery = 35 * time.Second // GetPackageUri allows 2 calls a minute

func pollInterval(age time.Duration) time.Duration {
	switch {
	case age < 2*time.Minute:
		return 10 * time.Second
	case age < 30*time.Minute:
		return 30 * time.Second
	case age < 6*time.Hour:
		return 2 * time.Minute
	}
	return 10 * time.Minute
}

// wantsPackage reports whether a collection succeeded and its link is still to be posted.
func wantsPackage(ap Approval) bool {
	return ap.Request.Verb == "collect" && ap.State == ApprovalDone && ap.ActionStatus == string(defender.ActionSucceeded) && !ap.PackagePosted
}

// packageLink fetches the package link of a succeeded collection and claims its posting, once;
// until it works the request stays followed, for an hour at most.
func (a *Approvals) packageLink(ctx context.Context, ap Approval, now time.Time) (string, time.Time) {
	uri, err := a.mde.PackageURI(ctx, ap.ActionID)
	if err != nil {
		a.log.Info("package link not available yet", "request", ap.ID, "err", err)
		if now.Sub(ap.FinishedAt) < time.Hour {
			_ = a.st.FollowApproval(ctx, ap.ID, now)
		} else {
			_ = a.st.UnfollowApproval(ctx, ap.ID)
		}
		return "", time.Time{}
	}
	tr, err := a.st.MarkPackagePosted(ctx, ap.ID, now)
	_ = a.st.UnfollowApproval(ctx, ap.ID)
	if err != nil || tr.Outcome != store.OutcomeChanged {
		return "", time.Time{}
	}
	a.record(ctx, ap, "package ready", botActor, ap.ActionID, "investigation package link sent by direct message to the requester and approvers")
	return uri, sasExpiry(uri)
}

// sasExpiry reads the signed expiry (se=) of a storage link: ISO 8601 as Azure writes it, or Unix
// seconds.
func sasExpiry(link string) time.Time {
	u, err := url.Parse(link)
	if err != nil {
		return time.Time{}
	}
	se := u.Query().Get("se")
	if t, err := time.Parse(time.RFC3339, se); err == nil {
		return t.UTC()
	}
	if n, err := strconv.ParseInt(se, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}
