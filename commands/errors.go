package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

// ErrorKind classifies errors the user can act on.
type ErrorKind int

// The kinds of user error.
const (
	// BadArgument: the command is wrong; the message says what, with the usage.
	BadArgument ErrorKind = iota + 1
	// NotAllowed: the user lacks the role.
	NotAllowed
	// NotFound: the thing asked for does not exist.
	NotFound
	// Unavailable: a dependency (MDE, Redis) cannot answer now; trying later may work.
	Unavailable
)

// UserError is an error whose message is written for the person who ran the command.
type UserError struct {
	Kind ErrorKind
	Msg  string
	// Usage is the verb's usage line, shown after a BadArgument message.
	Usage string
	Err   error
}

func (e *UserError) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *UserError) Unwrap() error { return e.Err }

// Errorf returns a *UserError of kind with a formatted message.
func Errorf(kind ErrorKind, format string, args ...any) error {
	return &UserError{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// badArg returns a BadArgument error carrying the verb's usage.
func badArg(v *Verb, format string, args ...any) error {
	e := &UserError{Kind: BadArgument, Msg: fmt.Sprintf(format, args...)}
	if v != nil {
		e.Usage = v.Name + " " + v.Usage
	}
	return e
}

// ErrorMessage turns any error into text that is safe and useful to show: user errors show their
// message, MDE's answers are explained in our words (never MDE's raw body), and anything else is
// an internal error with the request's reference, which is also in the log.
func ErrorMessage(err error, ref string) string {
	var ue *UserError
	var se *SyntaxError
	var ve *defender.ValidationError
	var apiErr *defender.APIError
	switch {
	case errors.As(err, &ue):
		if ue.Usage != "" {
			return ue.Msg + "\nUsage: " + strings.TrimSpace(ue.Usage)
		}
		return ue.Msg
	case errors.As(err, &se):
		return se.Msg
	case errors.As(err, &ve):
		return upperFirst(ve.Error()) + "."
	case errors.Is(err, context.DeadlineExceeded):
		return "Defender did not answer in time. Try again in a minute. (ref " + ref + ")"
	case errors.Is(err, context.Canceled):
		return "The request was cancelled (the bot is shutting down). Try again. (ref " + ref + ")"
	case errors.As(err, &apiErr):
		return apiMessage(apiErr, ref)
	}
	var sie *defender.SignInError
	if errors.As(err, &sie) {
		return signInMessage(sie, ref)
	}
	if errors.Is(err, defender.ErrSignIn) {
		return "The bot could not sign in to Entra ID, so Defender cannot be asked anything. Tell the bot's administrator. (ref " + ref + ")"
	}
	var te *defender.TransportError
	if errors.As(err, &te) {
		return "Defender could not be reached. Try again in a minute. (ref " + ref + ")"
	}
	return "Something went wrong on our side. (ref " + ref + ")"
}

// signInMessage tells a refused credential (an administrator must fix a variable) from an Entra
// that could not be reached (retrying will help).
func signInMessage(e *defender.SignInError, ref string) string {
	api := cmp.Or(e.API, "Defender")
	if e.Refused {
		code := ""
		if e.Code != 0 {
			code = fmt.Sprintf(" (AADSTS%d)", e.Code)
		}
		return "The bot could not sign in to Entra ID: Entra refused its credentials" + code + ", so " + api +
			" cannot be asked anything. The bot's administrator should check " + e.Variable() + "; retrying will not help. (ref " + ref + ")"
	}
	return "The bot could not reach Entra ID to sign in (network, DNS, TLS, proxy or timeout), so " + api +
		" cannot be asked anything right now. Try again in a minute. (ref " + ref + ")"
}

func apiMessage(e *defender.APIError, ref string) string {
	switch {
	case e.StatusCode == 404:
		return "Defender has no such item (it may be outside the retention period)."
	case e.StatusCode == 429:
		wait := "a minute"
		if e.RetryAfter > 0 {
			wait = e.RetryAfter.Round(time.Second).String()
		}
		return "Defender is throttling the bot's requests; try again in " + wait + "."
	case e.StatusCode == 401:
		return "The bot could not sign in to Defender (its credentials were refused). Tell the bot's administrator. (ref " + ref + ")"
	case e.StatusCode == 403 && strings.EqualFold(e.Code, "DisabledFeature"):
		return "This feature is not enabled in the Defender tenant (or not in its licence). (ref " + ref + ")"
	case e.StatusCode == 403:
		return "The bot's Entra app lacks the Defender permission for this. Tell the bot's administrator. (ref " + ref + ")"
	case e.StatusCode == 400 && strings.EqualFold(e.Code, "OsPlatformNotSupported"):
		return "Defender does not support this action on the device's operating system."
	case e.StatusCode == 400 && strings.EqualFold(e.Code, "ClientVersionNotSupported"):
		return "The device's Defender sensor is too old for this action."
	case e.StatusCode == 400:
		return "Defender refused the request as invalid. (ref " + ref + ")"
	case e.StatusCode >= 500:
		return "Defender had an internal error. Try again in a minute. (ref " + ref + ")"
	}
	return fmt.Sprintf("Defender answered with an error (HTTP %d). (ref %s)", e.StatusCode, ref)
}

// Internal reports whether err is one the user cannot act on (so it must be logged in full).
func Internal(err error) bool {
	var ue *UserError
	var se *SyntaxError
	var ve *defender.ValidationError
	var apiErr *defender.APIError
	switch {
	case errors.As(err, &ue), errors.As(err, &se), errors.As(err, &ve):
		return false
	case errors.As(err, &apiErr):
		return apiErr.StatusCode != 404 && apiErr.StatusCode != 429
	}
	return true
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
