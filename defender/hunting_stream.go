package defender

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errBodyLimit is what the body reader returns past the size limit.
var errBodyLimit = errors.New("defender: hunting reply over the size limit")

// errRowLimit stops the decoder at the row limit.
var errRowLimit = errors.New("defender: hunting reply over the row limit")

// limitedBody reads at most n bytes, then fails with errBodyLimit (not io.EOF, so that the JSON
// decoder cannot take a cut body for a whole one).
type limitedBody struct {
	r    io.Reader
	n    int64
	read int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.read >= l.n {
		return 0, errBodyLimit
	}
	p = p[:min(int64(len(p)), l.n-l.read)]
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// decodeHunting reads a hunting reply, {"schema": [...], "results": [{...}, ...]} (any case, any
// other members skipped), one row at a time: only the row being decoded and the decoder's
// buffer are in memory. Past lim it stops and reports the result as cut.
func decodeHunting(r io.Reader, lim HuntLimits, fn RowFunc) (HuntSummary, error) {
	if lim.MaxRows <= 0 {
		lim.MaxRows = MaxHuntRows
	}
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = MaxHuntBytes
	}
	body := &limitedBody{r: r, n: lim.MaxBytes}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var sum HuntSummary
	err := decodeMembers(dec, &sum, lim.MaxRows, fn)
	sum.Bytes = body.read
	switch {
	case errors.Is(err, errBodyLimit), errors.Is(err, errRowLimit):
		sum.Cut = true
		return sum, nil
	case err != nil:
		return sum, fmt.Errorf("hunting result: %w", err)
	}
	return sum, nil
}

func decodeMembers(dec *json.Decoder, sum *HuntSummary, maxRows int, fn RowFunc) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "schema"):
			if err := dec.Decode(&sum.Schema); err != nil {
				return err
			}
		case strings.EqualFold(key, "results"):
			if err := decodeRows(dec, sum, maxRows, fn); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	return expectDelim(dec, '}')
}

// decodeRows reads the results array, handing each row to fn.
func decodeRows(dec *json.Decoder, sum *HuntSummary, maxRows int, fn RowFunc) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		if sum.Rows >= maxRows {
			return errRowLimit
		}
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			return err
		}
		sum.Rows++
		if err := fn(sum.Schema, row); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}
