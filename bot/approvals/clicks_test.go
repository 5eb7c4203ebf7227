package approvals

import (
	"testing"

	"github.com/slack-go/slack"
)

// TestModalValidatorsNilState guarantees that the Deny and Cancel modal validators, which run in
// the socket-mode event loop, never panic on a view_submission without "state", and that such a
// Deny submission is refused for want of a reason rather than run.
func TestModalValidatorsNilState(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]func(slack.InteractionCallback) map[string]string{"deny": validateDeny, "cancel": validateCancel} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s modal validator panics on a submission without state: %v", name, r)
				}
			}()
			v(slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, View: slack.View{CallbackID: viewDeny}})
		}()
	}
	if errs := validateDeny(slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission}); errs[blockReason] == "" {
		t.Errorf("a Deny submission without state was accepted: %v", errs)
	}
}
