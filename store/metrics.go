package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// InstrumentRedis counts the errors of rdb's commands in mdebot_redis_errors_total, registered
// on r, through a go-redis hook. Answers that are no failure are left out: a missing key
// (redis.Nil, which also means "not obtained" for a lock), NOSCRIPT (after which go-redis
// sends the script itself), the HELLO and CLIENT commands of a new connection, and a command its caller
// cancelled.
func InstrumentRedis(rdb redis.UniversalClient, r prometheus.Registerer) {
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mdebot_redis_errors_total",
		Help: "Redis commands that failed, by kind: timeout, network (connection refused, reset or closed), reply (an error reply from the server, such as OOM, READONLY or NOPERM), other.",
	}, []string{"kind"})
	for _, k := range []string{"timeout", "network", "reply", "other"} {
		errs.WithLabelValues(k)
	}
	r.MustRegister(errs)
	rdb.AddHook(errorHook{errs})
}

// errorHook is the go-redis hook of InstrumentRedis.
type errorHook struct{ errs *prometheus.CounterVec }

func (h errorHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h errorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		// go-redis sets cmd's error after the hooks return: count the one returned.
		err := next(ctx, cmd)
		h.count(cmd, err)
		return err
	}
}

func (h errorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			h.count(c, c.Err())
		}
		return err
	}
}

func (h errorHook) count(cmd redis.Cmder, err error) {
	if err == nil || errors.Is(err, redis.Nil) || redis.HasErrorPrefix(err, "NOSCRIPT") || errors.Is(err, context.Canceled) || connSetup(cmd) {
		return
	}
	h.errs.WithLabelValues(redisErrorKind(err)).Inc()
}

// connSetup reports whether cmd is one go-redis sends to set up a new connection and whose
// refusal it handles itself: HELLO (it falls back to RESP2) and CLIENT subcommands such as
// SETINFO (unknown before Redis 7.2 and to the embedded server) or MAINT_NOTIFICATIONS. The bot
// itself sends neither.
func connSetup(cmd redis.Cmder) bool {
	name := strings.ToLower(cmd.Name())
	return name == "hello" || name == "client"
}

// redisErrorKind sorts a command's error for the label.
func redisErrorKind(err error) string {
	var rerr redis.Error
	var nerr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return "timeout"
	case errors.As(err, &rerr):
		return "reply"
	case errors.Is(err, redis.ErrClosed), errors.As(err, &nerr), errors.Is(err, net.ErrClosed), errors.Is(err, io.EOF):
		return "network"
	}
	return "other"
}
