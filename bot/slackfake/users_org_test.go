package slackfake_test

import (
	"slices"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/slack-go/slack"
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

// users.info shows a profile's e-mail address only to a token with users:read.email, as Slack
// does (api.slack.com/scopes/users:read.email); users:read alone gets the rest of the profile.
func TestUsersInfoEmailNeedsScope(t *testing.T) {
	t.Parallel()
	scopes := slices.DeleteFunc(slackfake.DefaultScopes(), func(s string) bool { return s == "users:read.email" })
	for _, tc := range []struct {
		scopes []string
		want   string
	}{{nil, "alice@contoso.com"}, {scopes, ""}} {
		f := slackfake.New(t, slackfake.Options{Scopes: tc.scopes})
		api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
		f.SetUser(slackfake.User{ID: "U1", RealName: "Alice Wong", Email: "alice@contoso.com"})
		u, err := api.GetUserInfoContext(waitCtx(t), "U1")
		if err != nil {
			t.Fatal(err)
		}
		if u.Profile.Email != tc.want || u.Profile.RealName != "Alice Wong" {
			t.Errorf("scopes %v: email %q, real name %q; want email %q", tc.scopes, u.Profile.Email, u.Profile.RealName, tc.want)
		}
	}
}
