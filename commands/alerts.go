package commands

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

const (
	defaultAlertWindow = 24 * time.Hour
	maxAlertWindow     = 30 * 24 * time.Hour
)

// alertIDPattern matches MDE alert ids such as da637472900382838869_1364969609.
var alertIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$`)

func alertsVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "alerts",
		Usage:   "[severity=<Informational|Low|Medium|High>] [status=<New|InProgress|Resolved>] [since=<30m|24h|7d>] [machine=<machine>] [limit=<n>]",
		Summary: "List recent alerts, newest first.",
		Details: []string{
			"`severity=` and `status=` keep the alerts with that severity or status.",
			"`since=` is how far back to look at alert updates: 24h when not given, at most 30d.",
			"`machine=` keeps the alerts of one device: its ID, computer name or IP address.",
			"`limit=` shows at most that many alerts in all (1 to 100); 10 are shown at a time.",
			"Example: `alerts severity=High status=New since=7d`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		q, err := parseAlertQuery(c, d)
		if err != nil {
			return Response{}, err
		}
		offset, err := pageOffset(c)
		if err != nil {
			return Response{}, err
		}
		title := q.title()
		var all []defender.Alert
		if q.machine != "" {
			m, choice, err := optionMachine(ctx, d, c, "machine", q.machine)
			if err != nil || choice != nil {
				return deref(choice), err
			}
			title += ", on " + m.ComputerDNSName
			// MDE cannot filter /alerts by device; the device's own alert list is filtered here.
			mine, err := d.MDE.MachineAlerts(ctx, m.ID)
			if err != nil {
				return Response{}, err
			}
			for _, a := range mine {
				if q.keeps(a) {
					all = append(all, a)
				}
			}
		} else {
			opts := defender.AlertListOptions{ListOptions: defender.ListOptions{Filter: q.filter(), Limit: scanCap + 1}}
			if all, err = d.MDE.ListAlerts(ctx, opts); err != nil {
				return Response{}, err
			}
		}
		view := AlertListView{Title: title, PortalURL: d.PortalURL}
		if len(all) > scanCap {
			all = all[:scanCap]
			view.Note = scanNote("alerts")
		}
		sortAlerts(all)
		view.Alerts, view.More = pageOf(c, all, offset, q.limit)
		return Response{Text: listText(title, len(all), q.limit, "alert", "alerts"), View: view}, nil
	}
	return v
}

// alertQuery selects alerts by update time, severity, status and device.
type alertQuery struct {
	since            time.Duration
	from             time.Time
	severity, status string
	machine          string // as the user gave it, resolved later
	limit            int
}

// parseAlertQuery checks every option of `alerts` before anything is asked of MDE.
func parseAlertQuery(c *Call, d Deps) (alertQuery, error) {
	q := alertQuery{since: defaultAlertWindow}
	opts, pos, err := options(c, "severity", "status", "since", "machine", "limit")
	if err != nil {
		return q, err
	}
	if len(pos) > 0 {
		return q, badArg(c.Verb, "`alerts` takes only options such as `severity=High`, and `%s` is not one. For one device's alerts use `machine=<machine>`.", Plain(pos[0].Text, 40))
	}
	if s, ok := opts["since"]; ok {
		if q.since, err = parseSince(c, s, maxAlertWindow); err != nil {
			return q, err
		}
	}
	q.from = callNow(c, d).Add(-q.since)
	if s, ok := opts["limit"]; ok {
		if q.limit, err = parseLimit(c, s, maxListLimit); err != nil {
			return q, err
		}
	}
	if s, ok := opts["severity"]; ok {
		if q.severity, err = oneOfFold(c, "severity", s, "Informational", "Low", "Medium", "High"); err != nil {
			return q, err
		}
	}
	if s, ok := opts["status"]; ok {
		if q.status, err = oneOfFold(c, "status", s, "New", "InProgress", "Resolved"); err != nil {
			return q, err
		}
	}
	q.machine = opts["machine"]
	return q, nil
}

func (q alertQuery) title() string {
	title := "Alerts updated in the last " + durationWords(q.since)
	if q.severity != "" {
		title += ", severity " + q.severity
	}
	if q.status != "" {
		title += ", status " + q.status
	}
	return title
}

func (q alertQuery) filter() defender.Filter {
	fs := []defender.Filter{defender.Ge("lastUpdateTime", q.from)}
	if q.severity != "" {
		fs = append(fs, defender.Eq("severity", q.severity))
	}
	if q.status != "" {
		fs = append(fs, defender.Eq("status", q.status))
	}
	return defender.And(fs...)
}

func (q alertQuery) keeps(a defender.Alert) bool {
	return !a.LastUpdateTime.Before(q.from) &&
		(q.severity == "" || string(a.Severity) == q.severity) &&
		(q.status == "" || string(a.Status) == q.status)
}

// durationWords writes a look-back for a title: "24 hours", "7 days", "30 minutes".
func durationWords(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return plural(int(d/day), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour", "hours")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute", "minutes")
	}
	return d.String()
}

func alertVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "alert",
		Usage:   "<id>",
		Summary: "Show one alert with its evidence, device, user and links.",
		Details: []string{
			"<id> is the alert ID Defender shows, such as da637472900382838869_1364969609.",
			"Example: `alert da637472900382838869_1364969609`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		arg, err := oneToken(c, "Give the ID of the alert.", "`alert` takes exactly one alert ID.")
		if err != nil {
			return Response{}, err
		}
		id := strings.TrimSpace(arg.Text)
		if !alertIDPattern.MatchString(id) {
			return Response{}, badArg(v, "`%s` is not an alert ID: alert IDs are letters, digits, '_' and '-', such as da637472900382838869_1364969609.", Plain(id, 60))
		}
		a, err := d.MDE.GetAlert(ctx, id, true)
		if errors.Is(err, defender.ErrNotFound) {
			return Response{}, Errorf(NotFound, "No alert has the ID %s (it may be outside the retention period).", id)
		}
		if err != nil {
			return Response{}, err
		}
		return Response{Text: "Alert: " + a.Title, View: AlertView{Alert: a, PortalURL: d.PortalURL}}, nil
	}
	return v
}
