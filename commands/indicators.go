package commands

import (
	"context"
	"strings"

	"github.com/mdebot/mdebot/defender"
)

// indicatorTypes maps the short names users type to MDE's indicator types.
var indicatorTypes = []struct {
	name string
	typ  defender.IndicatorType
}{
	{"sha1", defender.IndicatorSHA1},
	{"sha256", defender.IndicatorSHA256},
	{"md5", defender.IndicatorMD5},
	{"ip", defender.IndicatorIP},
	{"domain", defender.IndicatorDomain},
	{"url", defender.IndicatorURL},
	{"cert", defender.IndicatorCertificate},
}

var indicatorActions = []string{
	string(defender.IndicatorBlock), string(defender.IndicatorAllowed), string(defender.IndicatorAudit),
	string(defender.IndicatorWarn), string(defender.IndicatorBlockAndRemediate),
}

func indicatorsVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "indicators",
		Usage:   "[type=<sha1|sha256|md5|ip|domain|url|cert>] [action=<Block|Allowed|Audit|Warn|BlockAndRemediate>] [value=<text>]",
		Summary: "List the active custom indicators (blocked or allowed hashes, IPs, domains, URLs, certificates).",
		Details: []string{
			"`value=` finds the indicator of one hash, IP address, domain or URL; its type is worked out unless `type=` says it.",
			"Example: `indicators type=domain action=Block`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		opts, pos, err := options(c, "type", "action", "value")
		if err != nil {
			return Response{}, err
		}
		if len(pos) > 0 {
			return Response{}, badArg(v, "`indicators` takes only options, and `%s` is not one. To find one indicator use `value=<text>`.", Plain(pos[0].Text, 40))
		}
		offset, err := pageOffset(c)
		if err != nil {
			return Response{}, err
		}
		var fs []defender.Filter
		var parts []string
		var typ defender.IndicatorType
		if s, ok := opts["type"]; ok {
			if typ, err = parseIndicatorType(c, s); err != nil {
				return Response{}, err
			}
			fs = append(fs, defender.Eq("indicatorType", string(typ)))
			parts = append(parts, "type "+string(typ))
		}
		if s, ok := opts["action"]; ok {
			act, err := oneOfFold(c, "action", s, indicatorActions...)
			if err != nil {
				return Response{}, err
			}
			fs = append(fs, defender.Eq("action", act))
			parts = append(parts, "action "+act)
		}
		if s, ok := opts["value"]; ok {
			val, err := indicatorValue(c, s, typ)
			if err != nil {
				return Response{}, err
			}
			fs = append(fs, defender.Eq("indicatorValue", val))
			parts = append(parts, "value "+val)
		}
		title := "Custom indicators"
		if len(parts) > 0 {
			title += ", " + strings.Join(parts, ", ")
		}
		lo, n := serverPage(defender.And(fs...), offset, 0)
		got, err := d.MDE.ListIndicators(ctx, lo)
		if err != nil {
			return Response{}, err
		}
		view := IndicatorListView{Title: title}
		view.Indicators, view.More = cutPage(c, got, offset, n)
		return Response{Text: pageText(title, offset, len(view.Indicators), view.More, "indicator", "indicators"), View: view}, nil
	}
	return v
}

func parseIndicatorType(c *Call, s string) (defender.IndicatorType, error) {
	names := make([]string, 0, len(indicatorTypes))
	for _, t := range indicatorTypes {
		if strings.EqualFold(s, t.name) || strings.EqualFold(s, string(t.typ)) {
			return t.typ, nil
		}
		names = append(names, t.name)
	}
	return "", badArg(c.Verb, "`type` must be one of %s.", quoteList(names))
}

// indicatorValue checks the value of an indicator search and returns it in the form MDE stores
// (hashes and domains in lower case). With a type, the value must fit it.
func indicatorValue(c *Call, s string, typ defender.IndicatorType) (string, error) {
	s = strings.TrimSpace(s)
	switch typ {
	case defender.IndicatorCertificate:
		if len(s) != 40 || !isHexString(s) {
			return "", badArg(c.Verb, "A certificate thumbprint is 40 hex characters (its SHA-1).")
		}
		return strings.ToLower(s), nil
	case defender.IndicatorURL:
		if strings.Contains(s, "://") {
			if err := defender.ValidateURL(s); err != nil {
				return "", badArg(c.Verb, "%s", ErrorMessage(err, c.Ref))
			}
			return s, nil
		}
		host, _, _ := strings.Cut(s, "/")
		if err := defender.ValidateDomain(host); err != nil {
			return "", badArg(c.Verb, "%s", ErrorMessage(err, c.Ref))
		}
		return s, nil
	}
	got, val, err := defender.IndicatorFor(s)
	if err != nil {
		return "", badArg(c.Verb, "%s", ErrorMessage(err, c.Ref))
	}
	if typ != "" && got != typ {
		return "", badArg(c.Verb, "`%s` is a %s value, not a %s one.", Plain(s, 60), typeName(got), typeName(typ))
	}
	return val, nil
}

func typeName(t defender.IndicatorType) string {
	for _, x := range indicatorTypes {
		if x.typ == t {
			return x.name
		}
	}
	return string(t)
}
