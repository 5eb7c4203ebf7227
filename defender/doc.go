// Package defender is a client for the Microsoft Defender for Endpoint (MDE) REST API, made with
// application context: every request carries a client-credentials token from an Entra app.
//
// The request path is azcore's runtime pipeline, as in every Azure SDK client: a bearer-token
// policy (token cache and refresh), azcore's retry policy (429 and 5xx, honouring Retry-After, a
// per-try timeout) and, after it, a client-side rate limiter shared by every caller of one Client,
// sized to MDE's documented limits, so the poller, the commands and the approvals never push the
// tenant into throttling together.
//
// Lists read every page with $top and $skip. An @odata.nextLink is followed only when it points
// at the scheme and host of the base URL, so the bearer token is never sent anywhere else.
// Filters are built with [Eq], [StartsWith], [And] and friends, which quote every value, so user
// input can never change a filter's meaning.
//
// Response actions look for a pending action of the same type first and turn MDE's "already in
// progress" answer into an [ActionResult] with AlreadyPending set, carrying the existing action:
// the same action is never sent twice.
//
// API reference: https://learn.microsoft.com/defender-endpoint/api/exposed-apis-list
package defender
