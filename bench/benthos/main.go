// Command benthos-pipeline is the Benthos baseline of wirefeed-bench: the pipeline a user
// would wire together from Benthos (github.com/redpanda-data/benthos/v4, the MIT-licensed
// core) instead of running wirefeed: http → feed parsing → dedupe → Kafka.
//
// Two pieces are plugins, because the Benthos core ships neither: feed parsing (the `xml`
// processor and the Kafka outputs live in Redpanda Connect, whose licence we may not use
// here) is gofeed, the Go feed parser, in a processor; the output is franz-go with the
// settings of the other baselines (idempotent, acks=all, zstd, linger 5 ms). Everything else
// is stock Benthos configuration (see config below).
//
// It does less than wirefeed and the Python pipeline: exact-duplicate removal on a hash of
// headline and body (no near-duplicate detection), no topic tagging, no dateline or credit
// parsing. Prints one JSON line with the same fields as bench/python_pipeline.py.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
)

// config is the stream: one message per feed URL from the file, fetched by the stock `http`
// processor, split into items by the `feed_items` plugin, deduplicated by the stock
// `dedupe` processor over an in-memory cache, written by the `franz_bench` plugin.
const config = `
input:
  file:
    paths: [ %q ]
    scanner:
      lines: {}
pipeline:
  threads: %d
  processors:
    - mapping: |
        meta feed_url = content().string().trim()
        root = ""
    - http:
        url: '${! meta("feed_url") }'
        verb: GET
        timeout: 30s
        parallel: false
    - feed_items: {}
    - dedupe:
        cache: seen
        key: '${! meta("content_hash") }'
output:
  franz_bench:
    seeds: [ %q ]
    topic: %q
    max_in_flight: 64
    batching:
      count: %d
      period: 5ms
cache_resources:
  - label: seen
    memory:
      default_ttl: 24h
logger:
  level: WARN
metrics:
  none: {}
`

// Counters shared by the plugins and printed at the end.
var (
	bytesIn   atomic.Int64
	parsed    atomic.Int64
	produced  atomic.Int64
	acked     atomic.Int64
	failed    atomic.Int64
	bytesOut  atomic.Int64
	lastAckNs atomic.Int64
	// Feed documents that could not be fetched or parsed.
	feedErrors atomic.Int64
)

var (
	tag    = regexp.MustCompile(`<[^>]+>`)
	para   = regexp.MustCompile(`(?i)</p>\s*<p>|<br\s*/?>\s*<br\s*/?>`)
	update = regexp.MustCompile(`^(?:UPDATE|WRAPUP)\s*(\d{1,3})\s*-\s*`)
)

type record struct {
	URI       string      `json:"uri"`
	Type      string      `json:"type"`
	Version   string      `json:"version"`
	Headlines []textValue `json:"headlines"`
	Bodies    []textValue `json:"bodies"`
}

type textValue struct {
	Role        string `json:"role"`
	ContentType string `json:"contenttype,omitempty"`
	Value       string `json:"value"`
}

// feedItems turns a fetched feed document into one JSON message per item, with the key the
// dedupe processor uses in metadata.
type feedItems struct{ parser *gofeed.Parser }

func (p *feedItems) Process(_ context.Context, m *service.Message) (service.MessageBatch, error) {
	doc, err := m.AsBytes()
	if err != nil {
		return nil, err
	}
	bytesIn.Add(int64(len(doc)))
	feed, err := p.parser.ParseString(string(doc))
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	url, _ := m.MetaGet("feed_url")
	out := make(service.MessageBatch, 0, len(feed.Items))
	for _, it := range feed.Items {
		headline := strings.TrimSpace(html.UnescapeString(it.Title))
		var paragraphs []string
		for _, raw := range para.Split(it.Description, -1) {
			if p := strings.Join(strings.Fields(html.UnescapeString(tag.ReplaceAllString(raw, " "))), " "); p != "" {
				paragraphs = append(paragraphs, p)
			}
		}
		body := strings.Join(paragraphs, "\n\n")
		version := 1
		if sm := update.FindStringSubmatch(headline); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			version = n + 1
			headline = headline[len(sm[0]):]
		}
		uri := fmt.Sprintf("urn:benthos:%x", fnv64(url+it.GUID))
		value, err := json.Marshal(record{
			URI: uri, Type: "text", Version: strconv.Itoa(version),
			Headlines: []textValue{{Role: "main", Value: headline}},
			Bodies:    []textValue{{Role: "main", ContentType: "text/plain", Value: body}},
		})
		if err != nil {
			return nil, err
		}
		msg := service.NewMessage(value)
		msg.MetaSetMut("key", uri)
		// Versions are keyed apart: an update is a new version, not a duplicate.
		msg.MetaSetMut("content_hash", fmt.Sprintf("%x-%d", fnv64(headline+"\x00"+body), version))
		out = append(out, msg)
	}
	parsed.Add(int64(len(out)))
	return out, nil
}

func (p *feedItems) Close(context.Context) error { return nil }

// fnv64 is FNV-1a: a key for the in-memory cache, not a security boundary.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// franzOut produces each batch with franz-go and returns once every record of it is
// acknowledged, which is how a Benthos output reports delivery.
type franzOut struct {
	seeds []string
	topic string
	cl    *kgo.Client
}

func (o *franzOut) Connect(context.Context) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(o.seeds...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression()),
		kgo.ProducerLinger(5*time.Millisecond),
	)
	if err != nil {
		return err
	}
	o.cl = cl
	return nil
}

func (o *franzOut) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, m := range batch {
		value, err := m.AsBytes()
		if err != nil {
			return err
		}
		key, _ := m.MetaGet("key")
		wg.Add(1)
		produced.Add(1)
		o.cl.Produce(ctx, &kgo.Record{Topic: o.topic, Key: []byte(key), Value: value}, func(r *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				failed.Add(1)
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				return
			}
			acked.Add(1)
			bytesOut.Add(int64(len(r.Value)))
			lastAckNs.Store(time.Now().UnixNano())
		})
	}
	wg.Wait()
	return first
}

func (o *franzOut) Close(context.Context) error {
	if o.cl != nil {
		o.cl.Close()
	}
	return nil
}

func register() error {
	err := service.RegisterBatchProcessor("feed_items", service.NewConfigSpec(),
		func(*service.ParsedConfig, *service.Resources) (service.BatchProcessor, error) {
			return batchOf{&feedItems{parser: gofeed.NewParser()}}, nil
		})
	if err != nil {
		return err
	}
	spec := service.NewConfigSpec().
		Field(service.NewStringListField("seeds")).
		Field(service.NewStringField("topic")).
		Field(service.NewOutputMaxInFlightField()).
		Field(service.NewBatchPolicyField("batching"))
	return service.RegisterBatchOutput("franz_bench", spec,
		func(c *service.ParsedConfig, _ *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			var pol service.BatchPolicy
			seeds, err := c.FieldStringList("seeds")
			if err != nil {
				return nil, pol, 0, err
			}
			topic, err := c.FieldString("topic")
			if err != nil {
				return nil, pol, 0, err
			}
			inFlight, err := c.FieldMaxInFlight()
			if err != nil {
				return nil, pol, 0, err
			}
			if pol, err = c.FieldBatchPolicy("batching"); err != nil {
				return nil, pol, 0, err
			}
			return &franzOut{seeds: seeds, topic: topic}, pol, inFlight, nil
		})
}

// batchOf runs a per-message processor over a batch: one fetched feed becomes many items.
type batchOf struct{ p *feedItems }

func (b batchOf) ProcessBatch(ctx context.Context, batch service.MessageBatch) ([]service.MessageBatch, error) {
	var out service.MessageBatch
	for _, m := range batch {
		items, err := b.p.Process(ctx, m)
		if err != nil {
			// Said and counted, and the feed's items are missing from the topic, so the
			// bench's count check fails the run (Benthos would otherwise pass the flagged
			// feed document on to the output as a record).
			url, _ := m.MetaGet("feed_url")
			fmt.Fprintf(os.Stderr, "benthos-pipeline: %s: %v\n", url, err)
			feedErrors.Add(1)
			continue
		}
		out = append(out, items...)
	}
	return []service.MessageBatch{out}, nil
}

func (b batchOf) Close(ctx context.Context) error { return b.p.Close(ctx) }

func main() {
	feeds := flag.String("feeds-file", "", "file with one feed URL per line")
	brokers := flag.String("brokers", "127.0.0.1:9092", "Kafka bootstrap server")
	topic := flag.String("topic", "", "topic to produce to")
	threads := flag.Int("threads", -1, "pipeline threads (-1: one per core, the Benthos default)")
	batch := flag.Int("batch", 500, "records per output batch")
	flag.Parse()
	if *feeds == "" || *topic == "" {
		fmt.Fprintln(os.Stderr, "usage: benthos-pipeline --feeds-file F --topic T [--brokers B]")
		os.Exit(2)
	}
	if err := register(); err != nil {
		fmt.Fprintln(os.Stderr, "register plugins:", err)
		os.Exit(1)
	}
	b := service.NewStreamBuilder()
	if err := b.SetYAML(fmt.Sprintf(config, *feeds, *threads, *brokers, *topic, *batch)); err != nil {
		fmt.Fprintln(os.Stderr, "config:", err)
		os.Exit(1)
	}
	stream, err := b.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := stream.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
	end := time.Now()
	if ns := lastAckNs.Load(); ns != 0 {
		end = time.Unix(0, ns)
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	out, _ := json.Marshal(map[string]any{
		"stories":        acked.Load(),
		"failed":         failed.Load(),
		"produced":       produced.Load(),
		"duplicates":     parsed.Load() - produced.Load(),
		"bytes_in":       bytesIn.Load(),
		"bytes_out":      bytesOut.Load(),
		"seconds":        end.Sub(started).Seconds(),
		"cpu_seconds":    cpu.Seconds(),
		"peak_rss_bytes": ru.Maxrss * 1024,
		"feed_errors":    feedErrors.Load(),
	})
	fmt.Println(string(out))
}
