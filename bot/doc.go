// Package bot is mdebot's Slack side. It holds no code of its own, only this map and the test
// that keeps it true (layers_test.go): one package per job, and every import pointing down the
// list, never up and never sideways.
//
//	socket      the socket-mode runtime: event loop, acks, lanes of workers, per-user limits, modals, progress, replies, health
//	alerts      the alert notifier: poll, claim, post, update, digest, reconcile, status, alert buttons
//	approvals   the approval UI: cards, clicks, modals, sweeper, audit mirror, user directory
//	interact    the contract between socket and the features: handler types, who an answer goes to, the responder
//	slackpost   paced posting to channels: a per-channel pace and every Retry-After waited out
//	render      Block Kit: data in, messages out, pure, golden files
//	slackfake   an in-process fake of Slack (socket mode and Web API) for tests and the demo
//
// Below them all, commands (the chat-ops logic, free of Slack types) and defender (MDE). The
// features plug into the runtime through the handlers they register on it, wired in cmd/mdebot.
package bot
