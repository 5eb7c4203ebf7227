package approvals

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// UserDirectory reads a Slack user's e-mail address (users.info; the app needs
// users:read.email), the UPN MDE assigns alerts to; it satisfies commands.UserDirectory.
type UserDirectory struct {
	API interface {
		GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	}
}

// Email returns the user's e-mail address, or "" when Slack shows none.
func (d UserDirectory) Email(ctx context.Context, userID string) (string, error) {
	u, err := d.API.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("users.info: %w", err)
	}
	if u.Deleted || u.IsBot {
		return "", nil
	}
	return u.Profile.Email, nil
}
