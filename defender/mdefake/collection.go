package mdefake

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// listOptions are the OData query options of a collection request.
type listOptions struct {
	filter, orderBy, expand string
	top, skip               int
	hasTop                  bool
}

// parseListOptions reads $filter, $orderby, $expand, $top and $skip (names case-insensitive) and
// rejects other system query options.
func (c *call) parseListOptions() (listOptions, *apiError) {
	q := c.r.URL.Query()
	var o listOptions
	for k := range q {
		switch strings.ToLower(k) {
		case "$filter", "$orderby", "$expand", "$top", "$skip":
		default:
			if strings.HasPrefix(k, "$") {
				return o, badRequest("ODataError", "The query option %s is not supported.", k)
			}
		}
	}
	o.filter, _ = queryValue(q, "$filter")
	o.orderBy, _ = queryValue(q, "$orderby")
	o.expand, _ = queryValue(q, "$expand")
	if v, ok := queryValue(q, "$top"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return o, badRequest("ODataError", "The value of $top must be a non-negative integer.")
		}
		if n > MaxPageSize {
			return o, badRequest("ODataError", "The limit of $top is %d; %d was requested.", MaxPageSize, n)
		}
		o.top, o.hasTop = n, true
	}
	if v, ok := queryValue(q, "$skip"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return o, badRequest("ODataError", "The value of $skip must be a non-negative integer.")
		}
		o.skip = n
	}
	return o, nil
}

// page is one page of a collection.
type page[T any] struct {
	items []T
	next  string
}

// query applies filter, order, skip and top (or the page size and a next link) to items. allowExpand
// lists the $expand values the collection accepts.
func query[T any](c *call, fs fields[T], items []T, allowExpand ...string) (page[T], listOptions, *apiError) {
	o, aerr := c.parseListOptions()
	if aerr != nil {
		return page[T]{}, o, aerr
	}
	if o.expand != "" && !slices.ContainsFunc(allowExpand, func(s string) bool { return strings.EqualFold(s, o.expand) }) {
		return page[T]{}, o, badRequest("ODataError", "The $expand value %q is not supported on this collection.", o.expand)
	}
	keep, err := compileFilter(o.filter, fs)
	if err != nil {
		return page[T]{}, o, badRequest("ODataError", "Invalid filter clause: %v.", err)
	}
	idx := make([]int, 0, len(items))
	for i := range items {
		if keep(&items[i]) {
			idx = append(idx, i)
		}
	}
	if o.orderBy != "" {
		order, err := compileOrderBy(o.orderBy, fs)
		if err != nil {
			return page[T]{}, o, badRequest("ODataError", "Invalid $orderby clause: %v.", err)
		}
		slices.SortStableFunc(idx, func(a, b int) int { return order(&items[a], &items[b]) })
	}
	idx = idx[min(o.skip, len(idx)):]
	limit := c.f.pageSize
	if o.hasTop {
		limit = o.top
	}
	var p page[T]
	for _, i := range idx[:min(limit, len(idx))] {
		p.items = append(p.items, items[i])
	}
	if !o.hasTop && len(idx) > limit {
		p.next = c.nextLink(o.skip + limit)
	}
	if p.items == nil {
		p.items = []T{}
	}
	return p, o, nil
}

// nextLink is the request URL with $skip replaced, on the request's host or the configured one.
func (c *call) nextLink(skip int) string {
	c.f.mu.Lock()
	host := c.f.nextLinkHost
	c.f.mu.Unlock()
	if host == "" {
		host = c.baseURL()
	} else if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	var parts []string
	for p := range strings.SplitSeq(c.r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); p == "" || (err == nil && strings.EqualFold(uk, "$skip")) {
			continue
		}
		parts = append(parts, p)
	}
	parts = append(parts, "$skip="+strconv.Itoa(skip))
	return strings.TrimSuffix(host, "/") + c.r.URL.EscapedPath() + "?" + strings.Join(parts, "&")
}

// writeCollection writes {"@odata.context", "value", "@odata.nextLink"}.
func (c *call) writeCollection(entitySet string, value any, next string) {
	body := map[string]any{
		"@odata.context": c.baseURL() + "/api/$metadata#" + entitySet,
		"value":          value,
	}
	if next != "" {
		body["@odata.nextLink"] = next
	}
	c.ok(body)
}

// listAll writes items through query with no $expand support.
func listAll[T any](c *call, entitySet string, fs fields[T], items []T) {
	p, _, aerr := query(c, fs, items)
	if aerr != nil {
		c.fail(aerr)
		return
	}
	c.writeCollection(entitySet, p.items, p.next)
}

// plainList writes items as a collection that accepts no query options (related entities).
func (c *call) plainList(entitySet string, items any) { c.writeCollection(entitySet, items, "") }
