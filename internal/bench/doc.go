// Package bench is `mezhved bench`: a load generator of concurrent signed
// clients over HTTP on loopback against hubs it starts (or one at a URL), and
// the measurements the README's Performance section reports.
//
// Run runs the scenarios of a Config and returns a Report, which writes
// itself as a table (WriteTable) and as JSON (WriteJSON):
//
//   - ingest: 4 KB SendRequests of the court's writ, signed with ECDSA P-256
//     before the run (senders sign on their own machines), posted by
//     Config.Clients senders as fast as the hub answers; then on a fixed
//     schedule at half the rate reached, where the p99 accept latency is
//     read. Latencies in an open loop count from when a request was due, so
//     a hub that falls behind cannot hide its queueing.
//   - limit: the unavoidable work per message, in the bench's process on the
//     same envelopes: parsing, schema validation, signature verification,
//     the hub's signed answer and the durable write (group commit, fsync);
//     each stage timed alone (CPU time and allocations per message), then
//     all together with 64 workers, in two halves with a run of the hub's
//     ingest between them. That run's rate over the limit's is the hub's
//     share of the limit: the machine's speed drifts over a minute by as
//     much as the gap measured, so the two are taken in the same minutes.
//   - roundtrip: send, get, ack, respond, get, ack, every call signed by its
//     client as it is made, Config.Conversations at a time.
//   - broadcast: bank account queries copied to every bank of a registry
//     with Config.Banks banks, each bank taking and acknowledging its
//     copies (signed calls).
//   - recipients: queries routed by BIC over Config.Recipients banks' queues.
//   - mixed: X-Road's load-test mix of sizes (MixedProfile), as fast as the
//     hub answers, then in steps of request rate.
//   - jetstream: the hub's durable queue against NATS JetStream embedded
//     (nats-server in process, file storage, fsync on every write, a
//     durable pull consumer with explicit acks), same envelopes, publishers
//     and consumers. The hub runs in the bench's process with every
//     signature off: unsigned calls (exchange.Options.AllowUnsigned and
//     hub.Config.AllowUnsigned, the caller named in a header) and a hub that
//     signs nothing (hub.Config.BenchUnsigned, which only this package
//     sets; `mezhved serve` has no flag for it). The hub's store alone
//     (Accept, Lease, Ack) is measured too. JetStream runs first and last,
//     and the ratios are against the mean of its two rates. Each peer's
//     goroutines carry a pprof label, peer=jetstream, hub or store, in a
//     CPU profile of the bench.
//   - backlog: round trips, then ingest, on hubs whose store already holds
//     each of Config.Backlog messages queued for the bailiff service; each
//     larger level runs between two runs of the smallest and is set against
//     their mean.
//
// # Hubs
//
// With Config.HubCommand each run gets a new `mezhved serve` process on a
// store of its own, started with the bench's PKI and a registry of its
// making (the development registry, its banks replaced by as many as the
// run needs); the CPU time and the memory reported are that process's own,
// and the clients' CPU is reported beside it. Without it the hubs run in
// the bench's process, assembled as serve assembles them, and the CPU and
// memory are the process's, clients included. The limit and the JetStream
// comparison always run in the bench's process. With Config.HubURL the
// bench measures a running development hub, as its participants (keys from
// Config.PKIDir): ingest, roundtrip, broadcast (to the banks it has keys
// of) and mixed run, the others are skipped, and only what the answers
// show is measured (no CPU, memory or store size).
//
// # Measurements
//
//   - Throughput: operations that ended within the measured window (after
//     the warm-up), per second of the window.
//   - Latency: p50, p95, p99 and max of those operations, exact (every
//     latency is kept).
//   - CPU per operation: the hub process's user and system time over the
//     window (/proc/<pid>/stat; getrusage for this process) per operation.
//   - Peak RSS: VmHWM of the hub's process, which counts the pages of the
//     store's memory-mapped file it has read; and the peak of RssAnon (heap
//     and stacks), sampled every 100 ms, which is what grows if messages
//     are kept in memory.
//   - Store size per message: the store file's size on disk (bbolt grows
//     its file ahead of use, sparsely) over the messages it holds, at the
//     end of the run.
//   - Machine: /proc/stat over the window: how busy the machine was, the
//     part of it taken by processes other than the hub and the bench,
//     steal time, and the time the cores ran nothing (idle or waiting for
//     the disk), which a run bound by its processors would not leave.
//     Figures taken while others were busy are not comparable.
//
// # Backlogs
//
// A backlog is stored before its hub starts, through the store's API
// (boltstore.Store.Accept, group committed, with every field, journal
// record and queue entry the hub gives a message it accepts), not over
// HTTP: each message is a real signed envelope with its own MessageID, as
// the ingest scenario sends. A million 4 KB messages take a few minutes and
// about 7 GB of disk; the directory is removed after its level is measured.
//
// # Caveats
//
// Everything shares the machine: with a hub process the clients still run
// on the same cores, so the clients are made cheap: they run on one
// processor while they load a hub process (Config.ClientProcs), and their
// HTTP transport (leanTransport) carries each request on the caller's
// goroutine over a keep-alive connection, without the two goroutines per
// connection of net/http's Transport. The hub processes log at warn (Config.HubLogLevel); at
// info the hub writes a line per message. A signed request cannot be as
// small as 2 kB (the signature and its certificate take 1.6 kB), so the
// mixed profile's smallest class is the smallest request there is.
package bench
