package defender

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func mdeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q,"target":"43f4cb08-8fac-4b65-9db1-745c2ae65f3a"}}`, code, msg)
}

func TestErrorStatuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status   int
		code     string
		sentinel error
		tries    int32
	}{
		{400, "InvalidRequestBody", nil, 1},
		{401, "Unauthorized", ErrUnauthorized, 1},
		{403, "Forbidden", ErrForbidden, 1},
		{404, "ResourceNotFound", ErrNotFound, 1},
		{429, "TooManyRequests", ErrThrottled, 3}, // retried (MaxRetries 2), then given up
		{500, "InternalServerError", nil, 3},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var tries atomic.Int32
			mux.HandleFunc("/api/machines/{id}", func(w http.ResponseWriter, r *http.Request) {
				tries.Add(1)
				mdeError(w, tc.status, tc.code, "Machine was not found or something")
			})
			_, err := c.GetMachine(t.Context(), machineID)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Code != tc.code || apiErr.Target == "" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			if got := tries.Load(); got != tc.tries {
				t.Errorf("tries = %d, want %d", got, tc.tries)
			}
		})
	}
}

func TestErrorBodyNotJSON(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/alerts/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<html>bad gateway thing</html>\nsecond line" + strings.Repeat("x", 2<<20)))
	})
	_, err := c.GetAlert(t.Context(), "1", false)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "<html>bad gateway thing</html>" {
		t.Fatalf("err = %v", err)
	}
}

// A 500 followed by a 200 is retried and succeeds.
func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var n atomic.Int32
	mux.HandleFunc("/api/machines/{id}", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			mdeError(w, 503, "ServiceUnavailable", "try again")
			return
		}
		_, _ = w.Write(testdataBytes("machine.json"))
	})
	m, err := c.GetMachine(t.Context(), machineID)
	if err != nil || m.ID != machineID || n.Load() != 2 {
		t.Fatalf("machine %q, err %v, tries %d", m.ID, err, n.Load())
	}
}

// A 429 with Retry-After is waited out (on synctest's clock) and then the call succeeds; other
// callers of the same limiter are paused too.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	var first, second time.Time
	c, mux, _ := setup(t, WithRetry(retryOpts(3, time.Minute)), WithLimiter(NewLimiter(Unlimited())))
	mux.HandleFunc("/api/machines/{id}", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			mdeError(w, 429, "TooManyRequests", "slow down")
			return
		}
		_, _ = w.Write(testdataBytes("machine.json"))
	})
	synctest.Test(t, func(t *testing.T) {
		first = time.Now()
		if _, err := c.GetMachine(t.Context(), machineID); err != nil {
			t.Fatal(err)
		}
		second = time.Now()
		if d := second.Sub(first); d < 7*time.Second {
			t.Errorf("retried after %v, want at least the 7 s of Retry-After", d)
		}
		st := c.Limiter().Stats()
		if st.Throttled != 1 || st.PausedUntil.Before(first.Add(7*time.Second)) {
			t.Errorf("limiter stats = %+v", st)
		}
	})
}

// When Retry-After is longer than the retry policy allows, the 429 comes back with the wait.
func TestRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/machines/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		mdeError(w, 429, "TooManyRequests", "quota")
	})
	_, err := c.GetMachine(t.Context(), machineID)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Hour || !errors.Is(err, ErrThrottled) {
		t.Fatalf("err = %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	started := make(chan struct{})
	mux.HandleFunc("/api/machines/{id}", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-started; cancel() }()
	_, err := c.GetMachine(ctx, machineID)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// Already cancelled: nothing is sent.
	if _, err := c.GetMachine(ctx, machineID); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestTransportErrorHasNoQuery(t *testing.T) {
	t.Parallel()
	c, _, srv := setup(t)
	srv.Close()
	_, err := c.ListAlerts(t.Context(), AlertListOptions{ListOptions: ListOptions{Filter: Eq("title", "secret-ish user text")}})
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T)", err, err)
	}
	if strings.Contains(te.Path, "secret-ish") || strings.Contains(te.Path, "$filter") {
		t.Errorf("transport error path leaks the query: %q", te.Path)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Error("error contains the token")
	}
}
