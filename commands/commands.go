package commands

import (
	"context"
	"os"
	"time"
)

// Request is one command from one user, as the bot received it.
type Request struct {
	// Ref is a short reference for this request, logged with it and shown with internal errors.
	Ref string
	// UserID is the Slack user who typed the command or clicked the button.
	UserID string
	// ChannelID is where it happened.
	ChannelID string
	// Text is the command text after the slash command, as Slack sent it (markup included).
	Text string
	// Offset is set when a "more" button asks for the next page of a list.
	Offset int
	// Args, when set, is a request the bot built (a modal's submission): the verb, then each
	// argument as one literal value (white space collapsed), never split, never an option and
	// never markup, whatever quotes or brackets it holds. Text is then ignored.
	Args []string
}

// Response is what a command answers. The renderer in bot turns it into Slack blocks; nothing
// here is Slack-specific, and no text in it is escaped yet.
type Response struct {
	// Text is a plain-text summary: the whole answer when View is nil, the notification text
	// otherwise.
	Text string
	// View is the structured answer (a device card, an alert list ...), or nil.
	View View
	// InChannel shows the answer to the channel; the default shows it to the requester only.
	InChannel bool
	// File is attached when set (a hunting result as CSV).
	File *File
	// Approval, when set, is a new request's card: the bot posts it to the approval channel and
	// answers the requester with Text and a link to it (and runs the request at once when it
	// needs no approval).
	Approval *ApprovalView
}

// File is a file to upload with a response: a temporary file on disk, so that a large result
// is never held in memory. Whoever takes the response (the bot) uploads it as a stream and
// calls Remove once done, whether it uploaded it or not.
type File struct {
	Name  string
	Title string
	// Path is where the contents are; Size their length in bytes.
	Path string
	Size int64
}

// Open opens the contents for reading.
func (f *File) Open() (*os.File, error) { return os.Open(f.Path) }

// Remove deletes the contents from disk.
func (f *File) Remove() error { return os.Remove(f.Path) }

// Call is a request being run by a verb: the request, the verb's arguments and the caller's
// roles.
type Call struct {
	Request
	// Verb is the verb being run.
	Verb *Verb
	// Args are the arguments after the verb.
	Args []Token
	// Rest is the text after the verb with Slack markup undone but not split or unquoted (hunt).
	Rest string
	// Roles are the caller's roles at the time of the call.
	Roles Roles
	// Now is the time the call started.
	Now time.Time
}

// Verb is one command verb.
type Verb struct {
	// Name is what the user types.
	Name string
	// Usage is the argument synopsis, e.g. "machine <machine>".
	Usage string
	// Summary is one sentence for help.
	Summary string
	// Details are extra help lines (options, examples).
	Details []string
	// Role is the role needed to run it.
	Role Role
	// Approval says whether the verb needs an approval before anything happens.
	Approval bool
	// Timeout bounds one run; DefaultTimeout when zero. Advanced hunting needs longer: MDE lets
	// one query run for 200 s.
	Timeout time.Duration
	// Run does the work.
	Run func(ctx context.Context, c *Call) (Response, error)
}
