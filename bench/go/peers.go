// SPDX-License-Identifier: Apache-2.0
//
// The benchmark tasks T1, T3 and T5 in Go, for k8saudit_bench: built as a C archive
// (go build -buildmode=c-archive, bench/CMakeLists.txt) and called once per benchmark
// iteration with the whole corpus, so that they run in the same process and the same run as
// every other implementation.
//
//   fastjson       github.com/valyala/fastjson, as Falco's k8saudit plugin extracts fields:
//                  one Parser reused for every line, fields by Get paths.
//   encoding/json  Go's standard library, as Go tools built on Kubernetes' own types read
//                  events: json.Unmarshal of each line into a struct of the needed fields.
//
// The rules of bench/peers.h apply: one event per non-blank line, missing fields read as "" or
// 0, the same counters and checksum. The result goes back to C++ as bytes (see encode).
// init() sets GOMAXPROCS to 1, whatever the environment says: one core, like every other
// implementation (the runtime's own threads, such as the garbage collector's background workers,
// then share it; a collection still under way when a call returns may finish on the other core).
package main

/*
#include <stddef.h>
#include <stdlib.h>
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"runtime"
	"unsafe"

	"github.com/valyala/fastjson"
)

func init() { runtime.GOMAXPROCS(1) }

func main() {}

// acc folds the extracted fields, as t1_accumulator does in C++.
type acc struct {
	events, errors, checksum uint64
	groups                   map[string]*uint64
	key                      []byte
}

func newAcc() *acc { return &acc{groups: make(map[string]*uint64, 256), key: make([]byte, 0, 128)} }

// add takes the fields as fastjson gives them ([]byte) or as encoding/json does (string).
func add[T string | []byte](a *acc, verb, username, ns, resource T, code int64, stage T, tsLen int) {
	a.events++
	if code >= 400 && string(stage) == "ResponseComplete" {
		a.errors++
	}
	a.checksum += uint64(len(username)) + uint64(len(ns)) + uint64(code) + uint64(tsLen)
	a.key = append(a.key[:0], verb...)
	a.key = append(a.key, 0)
	a.key = append(a.key, resource...)
	if n, ok := a.groups[string(a.key)]; ok { // the lookup does not copy the key
		*n++
		return
	}
	one := uint64(1)
	a.groups[string(a.key)] = &one
}

// encode: events, errors, checksum, group count, then per group its count, key length and key
// (verb, a zero byte, resource); little-endian. The buffer is malloc'ed: the caller frees it.
func (a *acc) encode(size *C.size_t) *C.char {
	var b bytes.Buffer
	put := func(v uint64) { _ = binary.Write(&b, binary.LittleEndian, v) }
	put(a.events)
	put(a.errors)
	put(a.checksum)
	put(uint64(len(a.groups)))
	for k, n := range a.groups {
		put(*n)
		put(uint64(len(k)))
		b.WriteString(k)
	}
	out := C.malloc(C.size_t(b.Len()))
	copy(unsafe.Slice((*byte)(out), b.Len()), b.Bytes())
	*size = C.size_t(b.Len())
	return (*C.char)(out)
}

// lines calls f for each line of text that is not blank.
func lines(text []byte, f func(line []byte)) {
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		line := text
		if i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if len(bytes.Trim(line, " \t\r")) != 0 {
			f(line)
		}
	}
}

func input(data *C.char, n C.size_t) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n))
}

// fastjsonEvent extracts the T1 fields of a parsed event; with onlyVerb set, an event whose verb
// differs is dropped there (the rest is not read).
func fastjsonEvent(a *acc, v *fastjson.Value, onlyVerb string) {
	verb := v.GetStringBytes("verb")
	if onlyVerb != "" && string(verb) != onlyVerb {
		return
	}
	add(a, verb, v.GetStringBytes("user", "username"), v.GetStringBytes("objectRef", "namespace"),
		v.GetStringBytes("objectRef", "resource"), v.GetInt64("responseStatus", "code"), v.GetStringBytes("stage"),
		len(v.GetStringBytes("requestReceivedTimestamp")))
}

func fastjsonTask(text []byte, onlyVerb string) *acc {
	a := newAcc()
	var p fastjson.Parser
	lines(text, func(line []byte) {
		v, err := p.ParseBytes(line)
		if err != nil || v.Type() != fastjson.TypeObject {
			return
		}
		fastjsonEvent(a, v, onlyVerb)
	})
	return a
}

//export k8saudit_go_t1_fastjson
func k8saudit_go_t1_fastjson(data *C.char, n C.size_t, size *C.size_t) *C.char {
	return fastjsonTask(input(data, n), "").encode(size)
}

//export k8saudit_go_t3_fastjson
func k8saudit_go_t3_fastjson(data *C.char, n C.size_t, verb *C.char, size *C.size_t) *C.char {
	return fastjsonTask(input(data, n), C.GoString(verb)).encode(size)
}

// T5: the record is parsed, then properties.log (unescaped by fastjson) by a second parser.
//
//export k8saudit_go_t5_fastjson
func k8saudit_go_t5_fastjson(data *C.char, n C.size_t, size *C.size_t) *C.char {
	a := newAcc()
	var outer, inner fastjson.Parser
	lines(input(data, n), func(line []byte) {
		record, err := outer.ParseBytes(line)
		if err != nil {
			return
		}
		log := record.GetStringBytes("properties", "log")
		if log == nil {
			return
		}
		v, err := inner.ParseBytes(log)
		if err != nil || v.Type() != fastjson.TypeObject {
			return
		}
		fastjsonEvent(a, v, "")
	})
	return a.encode(size)
}

type t1Event struct {
	Verb string `json:"verb"`
	User struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef struct {
		Namespace string `json:"namespace"`
		Resource  string `json:"resource"`
	} `json:"objectRef"`
	ResponseStatus struct {
		Code int64 `json:"code"`
	} `json:"responseStatus"`
	Stage                    string `json:"stage"`
	RequestReceivedTimestamp string `json:"requestReceivedTimestamp"`
}

// encoding/json matches keys without regard to case ("Verb" would be read as "verb"), where the
// C++ peers match them exactly; the generated corpus has no such keys. A field of the wrong type
// leaves its zero value and the rest of the event is still decoded, as peers.h asks.
//
//export k8saudit_go_t1_encoding_json
func k8saudit_go_t1_encoding_json(data *C.char, n C.size_t, size *C.size_t) *C.char {
	a := newAcc()
	lines(input(data, n), func(line []byte) {
		if first := bytes.TrimLeft(line, " \t\r"); len(first) == 0 || first[0] != '{' {
			return // not an object
		}
		var e t1Event
		var wrongType *json.UnmarshalTypeError
		if err := json.Unmarshal(line, &e); err != nil && !errors.As(err, &wrongType) {
			return
		}
		add(a, e.Verb, e.User.Username, e.ObjectRef.Namespace, e.ObjectRef.Resource, e.ResponseStatus.Code, e.Stage,
			len(e.RequestReceivedTimestamp))
	})
	return a.encode(size)
}
