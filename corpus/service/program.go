package main

// Three real programs in miniature (issue 9, class 6): growth spread over many small allocation sites,
// all under one function of the program's own code, which is the culprit a user needs.

import (
	"strconv"
	"strings"
	"sync"
)

// --- an order store keyed by request id, never pruned ---

type order struct {
	id       string
	customer *customer
	items    []lineItem
	tags     map[string]string
	note     []byte
}

type customer struct {
	name, email string
}

type lineItem struct {
	sku   string
	qty   int
	price float64
}

type orderStore struct {
	mu     sync.Mutex
	orders map[string]*order
}

var orders = &orderStore{orders: map[string]*order{}}

// recordOrder builds an order from a request and stores it by id; nothing ever removes one.
//
//go:noinline
func recordOrder(n int64, size int) {
	o := &order{id: "order-" + strconv.FormatInt(n, 10)}
	o.customer = newCustomer(n)
	o.items = newLineItems(n, 4)
	o.tags = copyTags(n)
	o.note = newNote(size)
	orders.put(o)
}

//go:noinline
func newCustomer(n int64) *customer {
	s := strconv.FormatInt(n, 36)
	return &customer{name: "customer " + s, email: s + "@example.test"}
}

//go:noinline
func newLineItems(n int64, k int) []lineItem {
	items := make([]lineItem, k)
	for i := range items {
		items[i] = lineItem{sku: "sku-" + strconv.FormatInt(n*int64(k)+int64(i), 16), qty: i + 1, price: float64(i) * 1.5}
	}
	return items
}

//go:noinline
func copyTags(n int64) map[string]string {
	return map[string]string{"region": "r" + strconv.FormatInt(n%7, 10), "channel": "web", "ref": strconv.FormatInt(n, 10)}
}

//go:noinline
func newNote(size int) []byte {
	if size < 1 {
		size = 1
	}
	b := make([]byte, size)
	b[0] = 1
	return b
}

//go:noinline
func (s *orderStore) put(o *order) {
	s.mu.Lock()
	s.orders[o.id] = o
	s.mu.Unlock()
}

// --- a parser that keeps everything it parsed ---

type document struct {
	title  string
	fields []field
	index  map[string]int
}

type field struct {
	key, value string
}

var (
	parsedMu sync.Mutex
	parsed   []*document
)

// ingestDocument renders the text a client would send (garbage once parsed) and hands it to the parser.
//
//go:noinline
func ingestDocument(n int64, size int) {
	var sb strings.Builder
	sb.WriteString("title doc-" + strconv.FormatInt(n, 10) + "\n")
	for i := 0; sb.Len() < size; i++ {
		sb.WriteString("k" + strconv.Itoa(i) + "=v" + strconv.FormatInt(n+int64(i), 10) + "\n")
	}
	parseDocument(sb.String())
}

// parseDocument parses a document into fields and an index, and keeps the result in a global slice:
// the parser's own allocation sites are many and small, and all of them are retained.
//
//go:noinline
func parseDocument(text string) {
	doc := &document{index: map[string]int{}}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "title ") {
			doc.title = internTitle(line[len("title "):])
			continue
		}
		if f, ok := parseLine(line); ok {
			doc.index[f.key] = len(doc.fields)
			doc.fields = append(doc.fields, f)
		}
	}
	parsedMu.Lock()
	parsed = append(parsed, doc)
	parsedMu.Unlock()
}

//go:noinline
func internTitle(s string) string { return strings.Clone(s) }

//go:noinline
func parseLine(line string) (field, bool) {
	i := strings.IndexByte(line, '=')
	if i < 0 {
		return field{}, false
	}
	return field{key: strings.Clone(line[:i]), value: strings.Clone(line[i+1:])}, true
}

// --- a metrics registry that creates a new series per request (an unbounded label) ---

type series struct {
	labels   []labelPair
	hash     string
	samples  []float64
	buckets  []uint64
	meta     *seriesMeta
	exemplar *exemplar
}

type labelPair struct{ name, value string }

type seriesMeta struct {
	help, unit string
	created    int64
}

type exemplar struct {
	traceID string
	value   float64
}

var (
	seriesMu    sync.Mutex
	seriesIndex = map[string]*series{}
	byLabel     = map[string][]*series{}
)

// refreshSeries records a sample for a series whose labels include the request id, so every request
// creates a series: a dozen small allocation sites, none large alone, all under this function.
//
//go:noinline
func refreshSeries(n int64, size int) {
	s := &series{}
	s.labels = newLabels(n)
	s.hash = hashLabels(s.labels)
	s.samples = newSampleRing(size / 16)
	s.buckets = newBuckets()
	s.meta = newMeta(n)
	s.exemplar = newExemplar(n)
	seriesMu.Lock()
	seriesIndex[s.hash] = s
	for _, l := range s.labels {
		byLabel[l.name] = append(byLabel[l.name], s)
	}
	seriesMu.Unlock()
}

//go:noinline
func newLabels(n int64) []labelPair {
	return []labelPair{
		{"job", "api"},
		{"instance", "i" + strconv.FormatInt(n%5, 10)},
		{"request_id", "req-" + strconv.FormatInt(n, 10)},
		{"path", "/work/" + strconv.FormatInt(n%97, 10)},
	}
}

//go:noinline
func hashLabels(ls []labelPair) string {
	var sb strings.Builder
	for _, l := range ls {
		sb.WriteString(l.name)
		sb.WriteByte('=')
		sb.WriteString(l.value)
		sb.WriteByte(',')
	}
	return sb.String()
}

//go:noinline
func newSampleRing(n int) []float64 {
	if n < 1 {
		n = 1
	}
	return make([]float64, n)
}

//go:noinline
func newBuckets() []uint64 { return make([]uint64, 12) }

//go:noinline
func newMeta(n int64) *seriesMeta {
	return &seriesMeta{help: "requests by id " + strconv.FormatInt(n%3, 10), unit: "seconds", created: n}
}

//go:noinline
func newExemplar(n int64) *exemplar {
	return &exemplar{traceID: strconv.FormatInt(n*2654435761, 16), value: float64(n)}
}
