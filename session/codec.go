package session

import (
	"encoding/json"
	"fmt"
	"time"
)

// The codec is plain JSON: values are stored as the JSON the application's Set produced, so nothing has
// to be registered (unlike gob) and no stored bytes can name a Go type to instantiate.

// EncodeData encodes session data as one JSON object.
func EncodeData(data map[string]json.RawMessage) ([]byte, error) {
	if len(data) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(data)
}

// DecodeData decodes what EncodeData produced. Anything that is not a JSON object gives ErrCorrupt.
func DecodeData(b []byte) (map[string]json.RawMessage, error) {
	var data map[string]json.RawMessage
	if err := json.Unmarshal(b, &data); err != nil || data == nil {
		return nil, fmt.Errorf("%w: data is not a JSON object", ErrCorrupt)
	}
	return data, nil
}

// wireRecord is the JSON form of a Record for stores that keep a record as one value (key-value stores).
type wireRecord struct {
	Data      map[string]json.RawMessage `json:"d"`
	UserID    string                     `json:"u,omitempty"`
	Created   int64                      `json:"c"`
	LastSeen  int64                      `json:"s"`
	Expires   int64                      `json:"e"`
	Transient bool                       `json:"t,omitempty"`
	IP        string                     `json:"ip,omitempty"`
	UserAgent string                     `json:"ua,omitempty"`
	Version   uint64                     `json:"v"`
}

// EncodeRecord encodes a whole Record as JSON (times as Unix nanoseconds).
func EncodeRecord(rec *Record) ([]byte, error) {
	return json.Marshal(wireRecord{
		Data: rec.Data, UserID: rec.UserID,
		Created: rec.Created.UnixNano(), LastSeen: rec.LastSeen.UnixNano(), Expires: rec.Expires.UnixNano(),
		Transient: rec.Transient, IP: rec.IP, UserAgent: rec.UserAgent, Version: rec.Version,
	})
}

// DecodeRecord decodes what EncodeRecord produced; malformed input gives ErrCorrupt.
func DecodeRecord(b []byte) (Record, error) {
	var w wireRecord
	if err := json.Unmarshal(b, &w); err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if w.Version == 0 { // every stored record has been saved at least once
		return Record{}, fmt.Errorf("%w: no version", ErrCorrupt)
	}
	if w.Data == nil {
		w.Data = map[string]json.RawMessage{}
	}
	return Record{
		Data: w.Data, UserID: w.UserID,
		Created: time.Unix(0, w.Created), LastSeen: time.Unix(0, w.LastSeen), Expires: time.Unix(0, w.Expires),
		Transient: w.Transient, IP: w.IP, UserAgent: w.UserAgent, Version: w.Version,
	}, nil
}
