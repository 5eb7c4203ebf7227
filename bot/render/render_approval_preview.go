package render

import (
	"github.com/mdebot/mdebot/commands"
)

// preview renders what the request would touch, as it was when the request was made: the
// device (the blast radius), the indicator, the action to cancel or the alert to update.
func (b *msgBuilder) preview(v commands.ApprovalView) {
	r := v.Approval.Request
	switch {
	case r.Preview != nil:
		b.devicePreview(*r.Preview, v.PortalURL)
	case r.Indicator != "":
		b.indicatorPreview(r)
	case r.Action != nil:
		a := r.Action
		madeBy := ""
		if r.CancelOf != "" {
			madeBy = b.code(r.CancelOf, 30)
		}
		b.fields(
			field{"Action to cancel", b.or(b.inline(string(a.Type), 60)) + " " + b.code(a.ID, 60)},
			field{"Status", b.actionEmoji(a.Status) + " " + b.or(b.inline(string(a.Status), 30))},
			field{"Device", b.or(b.link(b.portalURL(v.PortalURL, "machines", a.MachineID), a.ComputerDNSName, 200))},
			field{"Created", b.when(a.CreationDateTimeUTC.Time)},
			field{"Made by request", madeBy},
		)
	case r.Alert != nil:
		al := r.Alert
		emoji, _ := b.severityStyle(al.Severity)
		b.fields(
			field{"Alert", b.or(b.link(b.portalURL(v.PortalURL, "alerts", al.ID), b.alertTitle(*al), 200))},
			field{"Severity", emoji + " " + b.or(b.inline(string(al.Severity), 30))},
			field{"Status", b.or(b.inline(string(al.Status), 30))},
			field{"Assigned to", b.or(b.inline(al.AssignedTo, 200))},
			field{"Device", b.or(b.code(al.ComputerDNSName, 200))},
		)
	}
}

// devicePreview is the device card in short: everything an approver weighs.
func (b *msgBuilder) devicePreview(m commands.MachineView, portal string) {
	d := m.Machine
	b.fields(
		field{"Device", b.or(b.link(b.portalURL(portal, "machines", d.ID), d.ComputerDNSName, 200))},
		field{"OS", b.or(b.osLine(d))},
		field{"Device group", b.or(b.inline(d.RBACGroupName, 300))},
		field{"Tags", b.or(b.list(d.MachineTags, 20, 100, b.inline))},
		field{"Risk · exposure", b.or(b.join(b.inline(d.RiskScore, 50), b.inline(d.ExposureLevel, 50)))},
		field{"Health", b.or(b.inline(d.HealthStatus, 100))},
		field{"Last seen", b.when(d.LastSeen.Time)},
		field{"Isolation", b.isolation(m.Isolation)},
		field{"Device value", b.or(b.inline(d.DeviceValue, 100))},
	)
	b.section(b.openAlerts(m))
	b.section(b.pendingActions(m))
	b.context("Device as it was when the request was made.")
}

// indicatorPreview shows the indicator to add or remove, and the one MDE already has.
func (b *msgBuilder) indicatorPreview(r commands.ActionRequest) {
	expires := "never"
	if !r.IndicatorExpires.IsZero() {
		expires = b.when(r.IndicatorExpires)
	}
	existing := "none"
	if e := r.Existing; e != nil {
		existing = b.join(b.code(string(e.ID), 30), b.inline(string(e.Action), 40), b.inline(e.Title, 150), b.by(e.CreatedByDisplayName))
	}
	fs := []field{
		{"Indicator", b.code(r.Indicator, 500)},
		{"Type", b.or(b.inline(string(r.IndicatorType), 50))},
		{"Existing indicator", existing},
	}
	if r.Verb == "block" {
		fs = append(fs, field{"Expires", expires})
	}
	b.fields(fs...)
}
