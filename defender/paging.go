package defender

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ListOptions selects and pages a list. The zero value reads every item.
type ListOptions struct {
	// Filter is the $filter expression; build it with Eq, And, StartsWith and friends.
	Filter Filter
	// PageSize is the $top of each request: MaxPageSize when zero.
	PageSize int
	// Limit stops after this many items; zero reads every page.
	Limit int
	// Skip starts after this many items.
	Skip int
}

type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// list reads every page of a collection: $top and $skip until a short page, or the server's
// @odata.nextLink when it sends one (and only to the base URL's scheme and host).
func list[T any](ctx context.Context, c *Client, path string, opts ListOptions, extra url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := opts.Filter.Err(); err != nil {
			yield(zero, err)
			return
		}
		size := opts.PageSize
		if size <= 0 || size > MaxPageSize {
			size = MaxPageSize
		}
		if opts.Limit > 0 && opts.Limit < size {
			size = opts.Limit
		}
		skip, n := opts.Skip, 0
		var next *url.URL
		for {
			cl := call{method: http.MethodGet, path: path, absolute: next}
			if next == nil {
				cl.query = listQuery(opts.Filter, size, skip, extra)
			}
			// The page is decoded item by item as it arrives (see streamPage): a caller that
			// keeps a little of each item never holds the whole page.
			var p pageInfo
			stopped := false
			cl.stream = func(r io.Reader) error {
				dec := json.NewDecoder(r)
				dec.UseNumber()
				return streamPage(dec, &p, func(v T) bool {
					if stopped = !yield(v, nil); stopped {
						return false
					}
					n++
					stopped = opts.Limit > 0 && n >= opts.Limit
					return !stopped
				})
			}
			if err := c.do(ctx, cl, nil); err != nil {
				if stopped || emptyAs404(path, err) {
					return
				}
				yield(zero, err)
				return
			}
			if stopped {
				return
			}
			if p.NextLink != "" {
				u, err := c.sameOrigin(p.NextLink)
				if err != nil {
					yield(zero, err)
					return
				}
				next = u
				continue
			}
			if p.Count < size || next != nil {
				return
			}
			skip += p.Count
		}
	}
}

func listQuery(f Filter, top, skip int, extra url.Values) url.Values {
	q := url.Values{}
	for k, vs := range extra {
		q[k] = append([]string(nil), vs...)
	}
	if s := f.String(); s != "" {
		q.Set("$filter", s)
	}
	q.Set("$top", strconv.Itoa(top))
	if skip > 0 {
		q.Set("$skip", strconv.Itoa(skip))
	}
	return q
}

// sameOrigin parses a nextLink and accepts it only on the base URL's scheme and host (port
// included), so the bearer token never leaves for another host.
func (c *Client) sameOrigin(link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, ErrForeignNextLink
	}
	if !u.IsAbs() {
		u = c.base.ResolveReference(u)
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) || u.User != nil {
		return nil, ErrForeignNextLink
	}
	return u, nil
}

// emptyAs404 reports whether err is the 404 a list answers when it has nothing: GET /api/machines
// answers "404 Not Found" when "there are no recent machines" (List machines API,
// https://learn.microsoft.com/defender-endpoint/api/get-machines). Every caller (the alert poll,
// name resolution, check, health) then sees an empty list, not a missing item.
func emptyAs404(path string, err error) bool {
	return path == "machines" && errors.Is(err, ErrNotFound)
}

// collect gathers a list into a slice.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// getList reads a small, unpaged collection ({"value": [...]}).
func getList[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	var p page[T]
	if err := c.do(ctx, call{method: http.MethodGet, path: path, query: query}, &p); err != nil {
		return nil, err
	}
	return p.Value, nil
}
