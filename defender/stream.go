package defender

import (
	"encoding/json"
	"fmt"
)

// pageInfo is what a streamed page says besides its items.
type pageInfo struct {
	Count    int    // items in "value"
	NextLink string // "@odata.nextLink"
}

// streamPage reads an OData collection page ({"value": [...], "@odata.nextLink": ...}) with
// dec, passing each item of "value" to each as soon as it is decoded, and stops early (without
// error) when each returns false. Other members are skipped. Only one item is held at a time,
// however long the page.
func streamPage[T any](dec *json.Decoder, info *pageInfo, each func(T) bool) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch key, _ := tok.(string); key {
		case "value":
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			if tok == nil { // "value": null, an empty page
				continue
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return fmt.Errorf("unexpected JSON: value is %v, not a list", tok)
			}
			for dec.More() {
				var v T
				if err := dec.Decode(&v); err != nil {
					return err
				}
				info.Count++
				if !each(v) {
					return nil
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
		case "@odata.nextLink":
			if err := dec.Decode(&info.NextLink); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// expectDelim reads the next token and fails unless it is want (a JSON bracket or brace).
func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("unexpected JSON: want %q, got %v", want, tok)
	}
	return nil
}
