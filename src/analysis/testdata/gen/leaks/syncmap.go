package main

import "sync"

// syncmap: a sync.Map used as a dedup set that is never pruned.

var seen sync.Map

type token struct {
	key  string
	data [48]byte
}

func remember(id int) {
	k := tokenKey(id)
	seen.Store(k, &token{key: k}) // CULPRIT: sync.Map store
}

func tokenKey(id int) string {
	b := make([]byte, 0, 24)
	b = append(b, "tok-"...)
	for id > 0 {
		b = append(b, byte('a'+id%26))
		id /= 26
	}
	return string(b)
}

func init() {
	register("syncmap", leakCase{heap: true, step: func(i int) {
		for j := 0; j < 20000; j++ {
			remember(i*20000 + j + 1)
		}
	}})
}
