// Package reliability is mdebot's reliability suite: whole bots, built from cmd/mdebot and run as
// separate processes (several replicas at once), against the Slack, MDE, Graph and Entra fakes
// (served from the test process on loopback) and a real redis-server that the suite starts,
// kills and restarts itself. It injects faults (kill -9 of the poller leader and of the replica
// sending an approved action, Redis restarted and down, MDE and Graph throttling, failing and
// slow, the Slack socket dropped, Slack rate limits), drives load (slash commands from many users,
// alert storms across channels) and abuse (hostile input for every verb, forged clicks), and
// counts what matters: every alert posted exactly once, every approved action executed exactly
// once, every command answered or told to retry, no secret in any log line or Slack message.
//
// The package holds only tests. Without a flag the suite is skipped, so `go test ./...` stays
// quick; the short form (CI, under three minutes) and the full form (the figures in the README)
// are:
//
//	go test ./reliability -count=1 -reliability=short
//	go test ./reliability -count=1 -reliability=full -timeout 40m
package reliability
