package socket

import (
	"context"
	"fmt"
	"sync"

	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// AccountReader tells full members of the workspace from guests and people of other
// organisations; it satisfies commands.Accounts.
//
// Slack's user object (api.slack.com/types/user, docs.slack.dev/reference/methods/users.info)
// has team_id, is_restricted (a guest) and is_ultra_restricted (a single-channel guest); users of
// a Slack Connect channel come from other teams, and Slack's guide says that "determining whether
// a user is external must be done implicitly" (api.slack.com/apis/channels-between-orgs): their
// user object has another team_id, and, where Slack sets it, is_stranger (listed in the user
// type of Slack's own SDK, @slack/web-api UsersInfoResponse). The workspace's own team (and
// Enterprise Grid organisation) comes from auth.test.
type AccountReader struct {
	API interface {
		GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
		AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	}

	once       sync.Mutex
	team, grid string
}

// Account reads user's account type.
func (r *AccountReader) Account(ctx context.Context, user string) (commands.Account, error) {
	team, grid, err := r.home(ctx)
	if err != nil {
		return commands.Account{}, err
	}
	u, err := r.API.GetUserInfoContext(ctx, user)
	if err != nil {
		return commands.Account{}, fmt.Errorf("users.info: %w", err)
	}
	sameOrg := u.TeamID == team || (grid != "" && u.Enterprise.EnterpriseID == grid)
	return commands.Account{
		Guest:    u.IsRestricted || u.IsUltraRestricted,
		External: u.IsStranger || !sameOrg || u.Deleted,
	}, nil
}

// home returns the workspace's team id and Enterprise Grid id, asked once.
func (r *AccountReader) home(ctx context.Context) (string, string, error) {
	r.once.Lock()
	defer r.once.Unlock()
	if r.team != "" {
		return r.team, r.grid, nil
	}
	at, err := r.API.AuthTestContext(ctx)
	if err != nil {
		return "", "", fmt.Errorf("auth.test: %w", err)
	}
	if at.TeamID == "" {
		return "", "", fmt.Errorf("auth.test: no team_id")
	}
	r.team, r.grid = at.TeamID, at.EnterpriseID
	return r.team, r.grid, nil
}
