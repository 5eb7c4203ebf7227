package slackfake_test

import (
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// users.info tells guests and people of other organisations apart as Slack does: team_id is the
// user's home team (the workspace's for its members), is_stranger is present only for a stranger.
func TestUsersInfoOrganisation(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	f.SetUser(slackfake.User{ID: "U1"})
	f.SetUser(slackfake.User{ID: "U2", TeamID: "T0OTHER", IsStranger: true})
	f.SetUser(slackfake.User{ID: "U3", IsUltraRestricted: true})
	member, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || member.TeamID != "T0FAKE" || member.IsStranger || member.IsRestricted {
		t.Errorf("member = %+v, %v", member, err)
	}
	stranger, err := api.GetUserInfoContext(ctx, "U2")
	if err != nil || stranger.TeamID != "T0OTHER" || !stranger.IsStranger {
		t.Errorf("stranger = %+v, %v", stranger, err)
	}
	guest, err := api.GetUserInfoContext(ctx, "U3")
	if err != nil || !guest.IsUltraRestricted || guest.TeamID != "T0FAKE" {
		t.Errorf("guest = %+v, %v", guest, err)
	}
}
