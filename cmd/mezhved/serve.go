package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mezhved/exchange"
	"mezhved/exchange/admin"
	"mezhved/exchange/calendar"
	"mezhved/exchange/dsig"
	"mezhved/exchange/hub"
	"mezhved/exchange/metrics"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/internal/procs"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// serveConfig is what `mezhved serve` is given.
type serveConfig struct {
	dev           bool
	data          string
	listen        string
	registryPath  string
	trustPath     string
	keyFile       string
	certFile      string
	maxEnvelope   int64
	longPoll      time.Duration
	visibility    time.Duration
	maxAttempts   int
	queueLimit    int64
	staleAfter    time.Duration
	pollWindow    time.Duration
	insecure      bool
	logLevel      string
	logFormat     string
	crlDir        string
	crlReload     time.Duration
	allowWeak     bool
	devAlg        string
	cpEvery       uint64
	cpInterval    time.Duration
	demo          bool
	demoCfg       demoConfig
	devTLS        bool
	tls           tlsFlags
	adminListen   string
	adminTLS      tlsFlags
	operators     multiFlag
	auditors      multiFlag
	minFreeMiB    uint64
	rateLimit     float64
	rateBurst     int
	calendarFile  string
	metricsListen string
	cpuProfile    string
	commitDelay   time.Duration
}

func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, cp, configFile, check := serveFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *configFile != "" {
		if err := applyConfigFile(fs, *configFile); err != nil {
			fmt.Fprintln(stderr, "mezhved serve:", err)
			return errUsage
		}
	}
	c := *cp
	if c.data == "" || fs.NArg() != 0 || (!c.dev && (c.registryPath == "" || c.trustPath == "" || c.keyFile == "" || c.certFile == "")) {
		fs.Usage()
		return errUsage
	}
	if c.commitDelay > time.Second {
		return usageError(fs, "--commit-delay %s: at most 1s (every busy commit waits this long)", c.commitDelay)
	}
	if c.maxEnvelope <= 0 {
		return usageError(fs, "--max-envelope %d: must be positive (bytes)", c.maxEnvelope)
	}
	if c.crlDir != "" && c.crlReload <= 0 {
		return usageError(fs, "--crl-reload %s: must be positive", c.crlReload)
	}
	switch c.tls.clientAuth {
	case "", "none", "request", "require":
	default:
		return usageError(fs, "--tls-client-auth %q: want none, request or require", c.tls.clientAuth)
	}
	if c.tls.cert == "" && (c.tls.key != "" || c.tls.clientCA != "") {
		return usageError(fs, "--tls-key and --tls-client-ca need --tls-cert: without it the hub would serve plain HTTP")
	}
	if c.dev && (c.registryPath != "" || c.trustPath != "" || c.keyFile != "" || c.certFile != "") {
		return usageError(fs, "--dev makes its own registry, trust, key and certificate (in --data): --registry, --trust, --key and --cert cannot go with it")
	}
	if c.demo && !c.dev {
		return usageError(fs, "--demo needs --dev (the simulated agencies use the development PKI's keys)")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		fmt.Fprintln(stderr, "mezhved serve: --log-level:", err)
		return errUsage
	}
	var handler slog.Handler
	switch c.logFormat {
	case "", "text":
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	case "json":
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		return usageError(fs, "--log-format %q: want text or json", c.logFormat)
	}
	log := slog.New(handler)

	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(hub.GCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// The first signal starts an orderly stop and unregisters the handler:
	// a second one ends the process the default way, however long the
	// orderly stop would take.
	context.AfterFunc(ctx, stop)
	if *check {
		return checkConfig(ctx, c, stdout, log)
	}
	stopProfile, err := startCPUProfile(c.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	return serve(ctx, c, stdout, log)
}

// serveFlags defines serve's flags over a configuration the flags fill in,
// the --config file's name and --check.
func serveFlags(stderr io.Writer) (*flag.FlagSet, *serveConfig, *string, *bool) {
	fs := newFlags("mezhved serve", stderr)
	var c serveConfig
	fs.BoolVar(&c.dev, "dev", false, "development mode: a PKI in DATA/pki (made on first start), the built-in development registry")
	fs.StringVar(&c.data, "data", "", "data directory (the store file, the ReplyTo key; in dev mode the PKI)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.registryPath, "registry", "", "registry file (required without --dev)")
	fs.StringVar(&c.trustPath, "trust", "", "trusted CA certificates, a PEM file or a directory (required without --dev)")
	fs.StringVar(&c.keyFile, "key", "", "the hub's private key, PEM (required without --dev)")
	fs.StringVar(&c.certFile, "cert", "", "the hub's certificate, PEM (required without --dev)")
	fs.Int64Var(&c.maxEnvelope, "max-envelope", xmlsafe.DefaultMaxBytes, "largest envelope accepted, in bytes")
	fs.DurationVar(&c.longPoll, "long-poll", hub.DefaultLongPoll, "longest wait of GetRequest and GetResponse on an empty queue (0: do not wait)")
	fs.DurationVar(&c.visibility, "visibility", hub.DefaultVisibility, "default visibility timeout of a delivered message")
	fs.IntVar(&c.maxAttempts, "max-attempts", hub.DefaultMaxAttempts, "default number of deliveries before a message becomes a dead letter")
	fs.Int64Var(&c.queueLimit, "queue-limit", hub.DefaultQueueLimit, "default largest number of messages in a recipient's queue")
	fs.DurationVar(&c.staleAfter, "stale-after", 48*time.Hour, "refuse MessageIDs whose UUID timestamp is older than this")
	fs.DurationVar(&c.pollWindow, "poll-window", 10*time.Minute, "refuse signed polls (GetRequest, GetResponse, GetStatus, statistics) whose signed Timestamp is older than this, so that a captured one cannot be replayed later; 0: do not check")
	fs.BoolVar(&c.insecure, "insecure", false, "accept unsigned calls (the caller is named by the X-Mezhved-Participant header); for tests only")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "text, or json (one object per line)")
	fs.StringVar(&c.crlDir, "crl-dir", "", "directory of certificate revocation lists (*.crl, *.pem, *.der), each signed by a trusted CA; re-read when its files change")
	fs.DurationVar(&c.crlReload, "crl-reload", 30*time.Second, "how often to look for changes in --crl-dir")
	fs.BoolVar(&c.allowWeak, "allow-weak", false, "accept weak signature algorithms (SHA-1 digests, RSA-SHA1); refused by default")
	fs.Uint64Var(&c.cpEvery, "checkpoint-every", hub.DefaultCheckpointEvery, "sign a journal checkpoint once this many records were added")
	fs.DurationVar(&c.cpInterval, "checkpoint-interval", hub.DefaultCheckpointInterval, "sign a journal checkpoint this long after the last one if records were added")
	fs.BoolVar(&c.devTLS, "tls", false, "with --dev: serve HTTPS with the development PKI (the hub's certificate; client certificates of the dev CA verified when given)")
	fs.StringVar(&c.tls.cert, "tls-cert", "", "serve HTTPS with this certificate (PEM; the chain after it)")
	fs.StringVar(&c.tls.key, "tls-key", "", "the TLS certificate's key (PEM)")
	fs.StringVar(&c.tls.clientCA, "tls-client-ca", "", "verify TLS client certificates against these CAs; a verified one must be the signing participant's")
	fs.StringVar(&c.tls.clientAuth, "tls-client-auth", "request", "client certificates: none, request (verified when given) or require")
	fs.StringVar(&c.adminListen, "admin-listen", "", "serve the admin API (operators, auditors) and health checks on this address, over TLS with client certificates required")
	fs.Var(&c.operators, "operator-cert", "a certificate (PEM file or directory) whose holder has the operator role in the admin API (repeatable)")
	fs.Var(&c.auditors, "auditor-cert", "a certificate (PEM file or directory) whose holder has the auditor role in the admin API (repeatable)")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "serve Prometheus metrics (/metrics) and health checks on this address, plain HTTP (the admin listeners serve /metrics too)")
	fs.StringVar(&c.calendarFile, "calendar", "", "the working-day calendar (holidays file; see exchange/calendar) deadlines are counted in; default: weekends only, Moscow time")
	fs.Float64Var(&c.rateLimit, "rate-limit", 0, "messages per second a sender may send on average (0: no limit; a participant's rateLimit in the registry overrides)")
	fs.IntVar(&c.rateBurst, "rate-burst", 0, "the bursts --rate-limit allows (default: one second's worth)")
	fs.Uint64Var(&c.minFreeMiB, "min-free", 512, "not ready (/readyz) when the data directory's file system has fewer MiB free")
	fs.DurationVar(&c.commitDelay, "commit-delay", time.Millisecond, "while writes come from many callers at once, how long at most the store waits for more before it commits (fsync) them together (it stops waiting once none has arrived for 300µs): longer costs less CPU per message when the CPU is what limits the hub, and adds to every write's latency; 0: do not wait")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the hub, from its start to its stop, to this file (go tool pprof)")
	fs.BoolVar(&c.demo, "demo", false, "with --dev: run every simulated agency against the hub on a synthetic data set, printing progress and a summary")
	fs.IntVar(&c.demoCfg.cases, "cases", 20, "with --demo: enforcement cases")
	fs.Float64Var(&c.demoCfg.rate, "rate", 2, "with --demo: writs per second (0: all at once)")
	fs.Uint64Var(&c.demoCfg.seed, "seed", 1, "with --demo: the data set's seed")
	fs.StringVar(&c.devAlg, "dev-alg", "ecdsa", "key algorithm of the development PKI made on first start: "+algList())
	configFile := fs.String("config", "", "a configuration file: a JSON object whose keys are these flags' names (paths relative to the file); the command line overrides it")
	check := fs.Bool("check", false, "load and check the configuration (registry, schemas, trust, keys, TLS, roles, calendar), then exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved serve --dev --data DIR [--listen ADDR]\n       mezhved serve --data DIR --registry FILE --trust FILE|DIR --key FILE --cert FILE [--listen ADDR]\n\nRuns the hub: the SOAP endpoints /ws/1.1, /ws/1.2 and /ws/1.3 (WSDL at ?wsdl).")
		fs.PrintDefaults()
	}
	return fs, &c, configFile, check
}

// serve assembles the hub and runs it until ctx ends.
func serve(ctx context.Context, c serveConfig, stdout io.Writer, log *slog.Logger) error {
	// One Go processor more than the CPUs, for the time the store's writer
	// keeps one in fdatasync (internal/procs); GOMAXPROCS overrides.
	log.Info("processors", "go", procs.ForStore(), "cpus", procs.CPUs())
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return err
	}
	if fi, err := os.Stat(c.data); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the data directory is open to other users: make it 0700 (it holds the store and the ReplyTo key)",
			"data", c.data, "mode", fi.Mode().Perm().String())
	}
	if c.dev {
		pkiDir := filepath.Join(c.data, "pki")
		if _, err := os.Stat(filepath.Join(pkiDir, "ca.crt")); errors.Is(err, os.ErrNotExist) {
			if c.devAlg == "" {
				c.devAlg = string(pki.ECDSA)
			}
			alg, err := pki.ParseAlgorithm(c.devAlg)
			if err != nil {
				return err
			}
			b, err := generateDevPKI(alg)
			if err != nil {
				return err
			}
			if err := b.WriteDir(pkiDir); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "made a development PKI in %s\n", pkiDir)
		}
		c.trustPath = pkiDir
		c.keyFile, c.certFile = filepath.Join(pkiDir, "hub.key"), filepath.Join(pkiDir, "hub.crt")
		if c.devTLS {
			c.tls.cert, c.tls.key, c.tls.clientCA = c.certFile, c.keyFile, filepath.Join(pkiDir, "ca.crt")
		}
		if len(c.operators) == 0 && len(c.auditors) == 0 {
			for _, r := range []struct {
				list *multiFlag
				name string
			}{{&c.operators, devOperator}, {&c.auditors, devAuditor}} {
				if f := filepath.Join(pkiDir, r.name+".crt"); fileExists(f) {
					*r.list = append(*r.list, f)
				}
			}
		}
	}
	key, certs, err := pki.LoadIdentity(c.keyFile, c.certFile)
	if err != nil {
		return err
	}
	signer, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
	if err != nil {
		return err
	}
	// The door: the registry, the trust store, the revocation lists and the
	// schemas, built again by a reload (SIGHUP).
	var onVerify func(string, error)
	d, err := loadDoor(ctx, c, log, func(m string, e error) { onVerify(m, e) })
	if err != nil {
		return err
	}
	defer func() { d.close() }() // the door in force at the end
	reg, trust, ingress := d.reg, d.trust, d.ingress
	// The certificates whose expiry is watched: the hub's and those of the
	// door in force (a reload brings its own).
	var watched atomic.Pointer[[]*x509.Certificate]
	watch := func(d *door) {
		w := slices.Concat(d.trust.Certificates(), certs)
		for _, p := range d.reg.Participants() {
			w = append(w, p.Certificates...)
		}
		watched.Store(&w)
	}
	watch(d)
	// Metrics: a registry of the hub's own (plus the Go runtime's and the
	// process's), served on the admin listeners and --metrics-listen.
	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var st *boltstore.Store
	mx := metrics.New(promReg, func(ctx context.Context) ([]store.QueueInfo, error) {
		if st == nil {
			return nil, nil
		}
		return st.Queues(ctx)
	})
	onVerify = mx.Verified
	daily(ctx, func(now time.Time) { mx.SetExpiring(warnExpiring(log, *watched.Load(), now)) })
	replyKey, err := loadOrMakeKey(filepath.Join(c.data, "replyto.key"))
	if err != nil {
		return err
	}
	waiters := hub.NewWaiters()
	delay := c.commitDelay
	if delay <= 0 {
		delay = -1 // the store's "never wait"
	}
	st, err = boltstore.Open(filepath.Join(c.data, "mezhved.db"), &boltstore.Options{Notify: waiters.Notify, OnCommit: mx.Committed, OnPollExpired: mx.PollExpired,
		CommitDelay: delay})
	if err != nil {
		return err
	}
	defer st.Close()
	// The store remembers the trust of its time and the hub's certificates,
	// so that the journal can be verified later without them.
	if err := st.AddCertificates(ctx, store.RoleTrust, rawCerts(trust.Certificates()), time.Now()); err != nil {
		return err
	}
	if err := st.AddCertificates(ctx, store.RoleHub, rawCerts(certs), time.Now()); err != nil {
		return err
	}
	cal := calendar.Default()
	if c.calendarFile != "" {
		if cal, err = calendar.Load(c.calendarFile); err != nil {
			return err
		}
		daily(ctx, func(now time.Time) { warnCalendar(log, cal, c.calendarFile, now) })
	}
	h, err := hub.New(hub.Config{Registry: reg, Ingress: ingress, Store: st, Waiters: waiters, Signer: signer, ReplyKey: replyKey, Calendar: cal,
		Visibility: c.visibility, MaxAttempts: c.maxAttempts, QueueLimit: c.queueLimit, LongPoll: longPoll(c.longPoll),
		AllowUnsigned: c.insecure, Logger: log, CheckpointEvery: c.cpEvery, CheckpointInterval: c.cpInterval,
		RateLimit: c.rateLimit, RateBurst: c.rateBurst, Observer: mx})
	if err != nil {
		return err
	}
	health := admin.Health(h, []admin.Check{storeWritable(st), admin.DiskSpace(c.data, c.minFreeMiB<<20),
		{Name: "keys", Fn: func(context.Context) error {
			if time.Now().After(certs[0].NotAfter) {
				return fmt.Errorf("the hub's certificate expired on %s", certs[0].NotAfter.UTC().Format(time.RFC3339))
			}
			return nil
		}},
		{Name: "trust", Fn: func(context.Context) error {
			if len(h.Registry().Participants()) == 0 || len(trust.Anchors()) == 0 {
				return errors.New("no trust anchor or no participant")
			}
			return nil
		}},
	})
	metricsHandler := promhttp.HandlerFor(promReg, promhttp.HandlerOpts{})
	// The servers beside the public one (metrics, admin socket, admin
	// listener): they read the store, so they stop before it closes.
	var adminSrvs []*http.Server
	if c.metricsListen != "" {
		mln, err := net.Listen("tcp", c.metricsListen)
		if err != nil {
			return err
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", metricsHandler)
		mmux.Handle("GET /healthz", health)
		mmux.Handle("GET /readyz", health)
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		adminSrvs = append(adminSrvs, msrv)
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", mln.Addr())
	}
	apiConfig := admin.Config{Store: st, Hub: h, Snapshot: st.Snapshot, Logger: log,
		Overdue: func(ctx context.Context) (any, error) { return st.Overdue(ctx) }}

	// The admin socket: processes of the hub's own user (or root), as the
	// kernel tells them, with every role.
	if sock, err := listenAdminSocket(c.data); err != nil {
		log.Warn("no admin socket: journal verify will need the hub stopped", "err", err)
	} else {
		cfg := apiConfig
		hubUID := os.Geteuid()
		cfg.Identify = socketCaller(hubUID)
		sockSrv := &http.Server{Handler: socketPeerOnly(hubUID, adminMux(admin.Handler(cfg), health, metricsHandler)),
			ConnContext: socketConnContext, ReadHeaderTimeout: 10 * time.Second}
		go sockSrv.Serve(sock)
		defer func() {
			sockSrv.Close()
			os.Remove(filepath.Join(c.data, adminSocket))
		}()
		adminSrvs = append(adminSrvs, sockSrv)
	}
	// The admin listener: TLS, a client certificate mapped to a role.
	if c.adminListen != "" {
		roles, err := loadRoles(c.operators, c.auditors)
		if err != nil {
			return err
		}
		at := c.adminTLS
		if at.cert == "" {
			at = tlsFlags{cert: c.tls.cert, key: c.tls.key, clientCA: c.tls.clientCA}
		}
		at.clientAuth = "require"
		if at.cert == "" {
			return errors.New("--admin-listen needs TLS: --tls-cert and --tls-key (or --dev --tls)")
		}
		tcfg, err := serverTLS(at)
		if err != nil {
			return fmt.Errorf("admin listener: %w", err)
		}
		cfg := apiConfig
		cfg.Identify = roles.identify
		aln, err := net.Listen("tcp", c.adminListen)
		if err != nil {
			return err
		}
		adminSrv := &http.Server{Handler: adminMux(admin.Handler(cfg), health, metricsHandler), TLSConfig: tcfg, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go adminSrv.ServeTLS(aln, "", "")
		defer adminSrv.Close()
		adminSrvs = append(adminSrvs, adminSrv)
		fmt.Fprintf(stdout, "admin API on https://%s/admin/ (%d operator and auditor certificates)\n", aln.Addr(), len(roles))
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: publicMux(h.Handler(c.maxEnvelope), health), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, MaxHeaderBytes: 64 << 10,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	scheme := "http"
	if c.tls.cert != "" {
		if srv.TLSConfig, err = serverTLS(c.tls); err != nil {
			return err
		}
		scheme = "https"
	}
	// SIGHUP reloads the registry, the trust store and the revocation
	// lists; a set that fails to load is refused and the one in force stays.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var doorMu sync.Mutex
	reload := func() error {
		doorMu.Lock()
		defer doorMu.Unlock()
		nd, err := loadDoor(ctx, c, log, mx.Verified)
		if err != nil {
			log.Error("reload refused: the registry, trust and revocation lists in force stay", "err", err)
			return err
		}
		if err := takeDoor(ctx, st, nd, func(nd *door) { h.Reload(nd.reg, nd.ingress) }); err != nil {
			log.Error("reload refused: the registry, trust and revocation lists in force stay", "err", err)
			return err
		}
		old := d
		d = nd
		old.close()
		watch(nd)
		mx.SetExpiring(warnExpiring(log, *watched.Load(), time.Now()))
		return nil
	}
	go func() {
		for range hup {
			reload()
		}
	}()
	reloadHook.Store(&reload)
	defer reloadHook.Store(nil)
	// SIGUSR1 switches drain mode.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	go func() {
		for range usr1 {
			h.SetDraining(!h.Draining())
		}
	}()
	runCtx, cancelRun := context.WithCancel(context.Background())
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		h.Run(runCtx)
	}()
	served := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			served <- srv.ServeTLS(ln, "", "")
			return
		}
		served <- srv.Serve(ln)
	}()

	base := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(stdout, "mezhved hub listening on %s\n", ln.Addr())
	for _, v := range soap.Versions() {
		fmt.Fprintf(stdout, "  %s%s%s   (WSDL: %s%s%s?wsdl)\n", base, hub.EndpointPrefix, v, base, hub.EndpointPrefix, v)
	}
	if c.dev {
		fmt.Fprintf(stdout, "  development PKI: %s (participants' keys: <MNEMONIC>.key)\n", c.trustPath)
	}
	log.Info("hub started", "listen", ln.Addr().String(), "data", c.data, "participants", len(reg.Participants()), "types", len(reg.Types()))
	demoDone := make(chan struct{})
	if c.demo {
		go func() {
			defer close(demoDone)
			if err := runDemo(ctx, c.demoCfg, base, c.trustPath, stdout, log); err != nil {
				log.Error("demo", "err", err)
			}
		}()
	} else {
		close(demoDone)
	}

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("stopping: no new calls; finishing the calls in progress")
	case serveErr = <-served:
	}
	<-demoDone // the agencies stop before the hub does
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("calls still in progress at shutdown", "err", err)
		srv.Close()
	}
	cancelRun()
	<-swept
	// The admin servers stop before the store closes: its Close waits for
	// every read transaction, which a request in progress may hold.
	closeServers(log, adminShutdown, adminSrvs...)
	if err := st.Close(); err != nil {
		return err
	}
	log.Info("hub stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// adminShutdown is how long the metrics and admin servers get, at shutdown,
// to finish the requests in progress before their connections are closed.
const adminShutdown = 5 * time.Second

// closeServers shuts the servers down together, giving the requests in
// progress until timeout to finish, then closes them with whatever
// connections remain (a client that reads nothing cannot hold them open).
func closeServers(log *slog.Logger, timeout time.Duration, srvs ...*http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range srvs {
		wg.Go(func() {
			if err := s.Shutdown(ctx); err != nil {
				log.Warn("admin requests still in progress at shutdown: their connections are closed", "err", err)
			}
			s.Close()
		})
	}
	wg.Wait()
}

// trustRecorder is where the trust of a reload is recorded: the store.
type trustRecorder interface {
	AddCertificates(ctx context.Context, role string, ders [][]byte, at time.Time) error
}

// takeDoor puts nd in force: it records nd's trusted certificates in the
// store first (journal verify and evidence archives check signatures only
// against the certificates the store remembers), then has apply take nd. If
// the store refuses them, nd is closed, apply is not called and the door in
// force stays.
func takeDoor(ctx context.Context, st trustRecorder, nd *door, apply func(*door)) error {
	if err := st.AddCertificates(ctx, store.RoleTrust, rawCerts(nd.trust.Certificates()), time.Now()); err != nil {
		nd.close()
		return fmt.Errorf("the new trust could not be recorded in the store: %w", err)
	}
	apply(nd)
	return nil
}

// longPoll maps the flag (0: do not wait) to hub.Config (negative: do not
// wait).
func longPoll(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// loadOrMakeKey reads a 32-byte secret, making it on first use.
func loadOrMakeKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, fmt.Errorf("%s holds %d bytes, want 32", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// daily runs check now, then once a day until ctx ends.
func daily(ctx context.Context, check func(now time.Time)) {
	check(time.Now())
	go func() {
		t := time.NewTicker(24 * time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				check(now)
			}
		}
	}()
}

// warnCalendar warns when the calendar file lacks the current year's
// decree, or in December the next year's: deadlines in a year it does not
// cover are counted on a five-day week.
func warnCalendar(log *slog.Logger, cal *calendar.Calendar, file string, now time.Time) {
	now = now.In(cal.Location())
	years := []int{now.Year()}
	if now.Month() == time.December {
		years = append(years, now.Year()+1)
	}
	for _, y := range years {
		if !cal.Covers(y) {
			log.Warn("the calendar has no holidays for a year: its deadlines are counted on a five-day week; add the year's decree to the file and restart",
				"year", y, "calendar", file)
		}
	}
}

// expiryWarning is how long before a certificate expires the hub warns.
const expiryWarning = 30 * 24 * time.Hour

// warnExpiring logs each certificate that expires within expiryWarning.
func warnExpiring(log *slog.Logger, certs []*x509.Certificate, now time.Time) int {
	seen := map[string]bool{}
	for _, c := range dsig.ExpiringWithin(certs, now, expiryWarning) {
		if fp := dsig.Fingerprint(c); !seen[fp] {
			seen[fp] = true
			log.Warn("certificate expires soon", "subject", c.Subject.String(), "serial", c.SerialNumber.Text(16),
				"not_after", c.NotAfter.UTC().Format(time.RFC3339), "days_left", int(c.NotAfter.Sub(now).Hours()/24))
		}
	}
	return len(seen)
}

// logCRLs reports the revocation lists in force.
func logCRLs(log *slog.Logger, crls *dsig.CRLSet) {
	for _, l := range crls.Lists() {
		attrs := []any{"file", l.File, "issuer", l.Issuer, "number", l.Number, "revoked", l.Revoked, "next_update", l.NextUpdate.UTC().Format(time.RFC3339)}
		if !l.NextUpdate.IsZero() && time.Now().After(l.NextUpdate) {
			log.Warn("revocation list is past its next update; still applied", attrs...)
			continue
		}
		log.Info("revocation list in force", attrs...)
	}
}

// rawCerts returns the DER of each certificate.
func rawCerts(certs []*x509.Certificate) [][]byte {
	out := make([][]byte, len(certs))
	for i, c := range certs {
		out[i] = c.Raw
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// door is what the hub checks envelopes with: rebuilt whole by a reload.
type door struct {
	reg     *registry.Registry
	trust   *dsig.TrustStore
	ingress *exchange.Ingress
	stop    context.CancelFunc // the CRL directory's watch
}

func (d *door) close() {
	if d.stop != nil {
		d.stop()
	}
}

// loadDoor loads the registry, the trust store and the revocation lists,
// compiles every schema and builds the ingress: at start, for
// `serve --check`, and on SIGHUP (where a failure keeps the door in place).
func loadDoor(ctx context.Context, c serveConfig, log *slog.Logger, onVerify func(string, error)) (*door, error) {
	var reg *registry.Registry
	var err error
	if c.dev {
		reg, err = registry.Dev(c.trustPath)
	} else {
		reg, err = registry.Load(c.registryPath)
	}
	if err != nil {
		return nil, err
	}
	trust, err := dsig.LoadTrustStore(c.trustPath)
	if err != nil {
		return nil, err
	}
	// The validator reads the envelope in UTF-8: a windows-1251 one within
	// --max-envelope may grow up to three times in transcoding (the parser
	// has already held the received bytes to the limit).
	set, err := reg.CompileSchemas(ctx, 3*c.maxEnvelope)
	if err != nil {
		return nil, err
	}
	d := &door{reg: reg, trust: trust}
	verifierOpts := []dsig.Option{dsig.AllowWeak(c.allowWeak)}
	if c.crlDir != "" {
		crls, err := dsig.LoadCRLs(c.crlDir, trust)
		if err != nil {
			return nil, fmt.Errorf("--crl-dir: %w", err)
		}
		verifierOpts = append(verifierOpts, dsig.WithRevocation(crls))
		logCRLs(log, crls)
		var wctx context.Context
		wctx, d.stop = context.WithCancel(ctx)
		go crls.Watch(wctx, c.crlReload, func(changed bool, err error) {
			if err != nil {
				log.Error("the CRL directory could not be reloaded; the lists loaded before stay in force", "dir", c.crlDir, "err", err)
				return
			}
			logCRLs(log, crls)
		})
	}
	d.ingress, err = exchange.NewIngress(reg, set, dsig.NewVerifier(trust, nil, verifierOpts...), exchange.Options{
		MaxEnvelope: c.maxEnvelope, AllowUnsigned: c.insecure, StaleAfter: c.staleAfter, PollWindow: c.pollWindow, CheckEOL: true, OnVerify: onVerify,
	})
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// reloadHook lets tests reload a running hub as SIGHUP does.
var reloadHook atomic.Pointer[func() error]
