package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mdebot/mdebot/defender"
	"golang.org/x/sync/errgroup"
)

// maxEntityItems is how many alerts or devices an enrichment lists; a note gives the total.
const maxEntityItems = 25

func fileVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "file",
		Usage:   "<sha1|sha256>",
		Summary: "Enrich a file hash: profile, prevalence, related alerts and the devices it was seen on.",
		Details: []string{
			"Defender looks devices up by SHA-1 only; for a SHA-256 the bot uses the SHA-1 of the file's profile.",
			"Example: `file 3395856ce81f2b7382dee72602f798b642f14140`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		arg, err := oneArg(c, "Give exactly one file hash (SHA-1 or SHA-256).")
		if err != nil {
			return Response{}, err
		}
		typ, hash, err := defender.ParseHash(arg)
		if err != nil {
			return Response{}, badArg(v, "%s", ErrorMessage(err, c.Ref))
		}
		if typ == defender.MD5 {
			return Response{}, badArg(v, "Defender looks files up by SHA-1 or SHA-256, not MD5. Search for an MD5 with `hunt`, e.g. `hunt DeviceFileEvents | where MD5 == \"%s\" | take 10`.", hash)
		}
		return fileCard(ctx, d, c, typ, hash)
	}
	return v
}

// fileCard reads a file's profile, prevalence, alerts and devices at the same time. Parts that
// fail are named in the notes; the call fails only when nothing could be read.
func fileCard(ctx context.Context, d Deps, c *Call, typ defender.HashType, hash string) (Response, error) {
	view := EntityView{Kind: "file", Name: hash, PortalURL: d.PortalURL}
	var (
		g                                   errgroup.Group
		file                                defender.File
		stats                               defender.FileStats
		alerts                              []defender.Alert
		machines                            []defender.Machine
		fileErr, statErr, alertErr, machErr error
		machinesTried                       = typ == defender.SHA1
	)
	g.Go(func() error {
		file, fileErr = d.MDE.GetFile(ctx, hash)
		if typ == defender.SHA256 && fileErr == nil && defender.ValidateSHA1(file.SHA1) == nil {
			machinesTried = true
			machines, machErr = d.MDE.FileMachines(ctx, file.SHA1)
		}
		return nil
	})
	g.Go(func() error {
		stats, statErr = d.MDE.FileStatistics(ctx, hash, defender.MaxLookBack)
		return nil
	})
	g.Go(func() error {
		alerts, alertErr = d.MDE.FileAlerts(ctx, hash)
		return nil
	})
	if typ == defender.SHA1 {
		g.Go(func() error {
			machines, machErr = d.MDE.FileMachines(ctx, hash)
			return nil
		})
	}
	_ = g.Wait()

	unseen := errors.Is(fileErr, defender.ErrNotFound)
	switch {
	case unseen:
		view.Notes = append(view.Notes, "Defender has never seen this file.")
	case fileErr != nil:
		view.Notes = append(view.Notes, partNote("The file's profile", fileErr))
	default:
		view.File = &file
	}
	switch {
	case statErr == nil:
		view.FileStat = &stats
	case errors.Is(statErr, defender.ErrNotFound):
		if !unseen {
			view.Notes = append(view.Notes, "Defender has no prevalence figures for this file.")
		}
	default:
		view.Notes = append(view.Notes, partNote("The file's prevalence", statErr))
	}
	if alertErr != nil && !errors.Is(alertErr, defender.ErrNotFound) {
		view.Notes = append(view.Notes, partNote("The file's alerts", alertErr))
	}
	switch {
	case machErr != nil && !errors.Is(machErr, defender.ErrNotFound):
		view.Notes = append(view.Notes, partNote("The devices the file was seen on", machErr))
	case !machinesTried && !unseen:
		view.Notes = append(view.Notes, "Defender looks devices up by SHA-1 only, and this file's profile gives no SHA-1, so its devices are not listed.")
	}
	tried := []error{fileErr, statErr, alertErr}
	if machinesTried {
		tried = append(tried, machErr)
	}
	if err := allFailed(tried...); err != nil {
		return Response{}, err
	}
	view.Alerts, view.Machines = entityLists(&view, alerts, machines)
	text := "File " + hash
	if view.File != nil && view.File.DeterminationValue != "" {
		text += ": " + view.File.DeterminationValue
	}
	return Response{Text: text, View: view}, nil
}

// entityLists sorts an enrichment's alerts newest first and keeps at most maxEntityItems of
// each list, noting the totals.
func entityLists(view *EntityView, alerts []defender.Alert, machines []defender.Machine) ([]defender.Alert, []defender.Machine) {
	sortAlerts(alerts)
	if len(alerts) > maxEntityItems {
		view.Notes = append(view.Notes, fmt.Sprintf("Defender lists %d related alerts; the %d newest are shown.", len(alerts), maxEntityItems))
		alerts = alerts[:maxEntityItems]
	}
	slices.SortStableFunc(machines, func(a, b defender.Machine) int { return strings.Compare(a.ComputerDNSName, b.ComputerDNSName) })
	if len(machines) > maxEntityItems {
		view.Notes = append(view.Notes, fmt.Sprintf("Defender lists %d devices; the first %d by name are shown.", len(machines), maxEntityItems))
		machines = machines[:maxEntityItems]
	}
	return alerts, machines
}

// allFailed returns the first error when every part that was tried (errs holds one error per
// part, nil for success) failed with something other than "not found", so that the router
// reports and logs it; it returns nil when anything could be read.
func allFailed(errs ...error) error {
	var first error
	for _, err := range errs {
		if err == nil || errors.Is(err, defender.ErrNotFound) {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// partNote says in words why part of an enrichment could not be read.
func partNote(what string, err error) string {
	var apiErr *defender.APIError
	var te *defender.TransportError
	cause := "of an unexpected error"
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		cause = "Defender did not answer in time"
	case errors.Is(err, defender.ErrForbidden):
		cause = "the bot's Entra app lacks the Defender permission for it"
	case errors.Is(err, defender.ErrThrottled):
		cause = "Defender is throttling the bot's requests"
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
		cause = "Defender had an internal error"
	case errors.As(err, &apiErr):
		cause = fmt.Sprintf("Defender answered HTTP %d", apiErr.StatusCode)
	case errors.As(err, &te):
		cause = "Defender could not be reached"
	}
	return what + " could not be read because " + cause + "."
}
