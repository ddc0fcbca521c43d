import CoreMetrics
import Metrics
import Prometheus

/// What `flowledger serve` counts (DESIGN §11.2 `metrics`), through swift-metrics into one
/// Prometheus registry of its own (no process-wide bootstrap, so two services never collide).
package final class ServiceMetrics: Sendable {
    /// The registry `GET metrics` prints.
    package let registry: PrometheusCollectorRegistry
    /// Entries appended (new or already there, per input line of a successful append).
    package let appendedEntries: CoreMetrics.Counter
    /// Append requests answered 200.
    package let appendRequests: CoreMetrics.Counter
    /// Append requests a front end handed to the store's writer.
    package let forwardedAppends: CoreMetrics.Counter
    /// Events per successful append request.
    package let batchSize: Recorder
    /// From the request's arrival at the sequencer to its receipts (fsync and commit included).
    package let commitLatency: CoreMetrics.Timer
    /// Appends waiting in the sequencer's queue.
    package let queueDepth: Recorder
    /// Live `v1/events` followers.
    package let followers: Recorder
    /// Connections the listener holds now.
    package let openConnections: Recorder
    /// Checkpoints published.
    package let checkpoints: CoreMetrics.Counter
    /// Checkpoints signed but not published for want of the witnesses' quorum.
    package let checkpointsWithheld: CoreMetrics.Counter
    private let factory: PrometheusMetricsFactory

    /// Metrics in a new registry.
    package init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultValueHistogramBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        factory.defaultDurationHistogramBuckets = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                                   .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                                   .milliseconds(500), .seconds(1), .seconds(5)]
        self.factory = factory
        appendedEntries = Counter(label: "flowledger_appended_entries_total", factory: factory)
        appendRequests = Counter(label: "flowledger_append_requests_total", factory: factory)
        forwardedAppends = Counter(label: "flowledger_append_requests_forwarded_total", factory: factory)
        batchSize = Recorder(label: "flowledger_append_batch_events", factory: factory)
        commitLatency = Timer(label: "flowledger_append_commit_seconds", factory: factory)
        queueDepth = Gauge(label: "flowledger_append_queue_depth", factory: factory)
        followers = Gauge(label: "flowledger_event_stream_followers", factory: factory)
        openConnections = Gauge(label: "flowledger_open_connections", factory: factory)
        checkpoints = Counter(label: "flowledger_checkpoints_published_total", factory: factory)
        checkpointsWithheld = Counter(label: "flowledger_checkpoints_withheld_total", factory: factory)
    }

    /// Counts a refused request by its error code and status.
    package func refused(code: String, status: Int) {
        Counter(label: "flowledger_refusals_total", dimensions: [("code", code), ("status", String(status))], factory: factory).increment()
    }

    /// Counts a connection closed on arrival by the connection cap it would pass (`total` or `address`).
    package func connectionRefused(cap: String) {
        Counter(label: "flowledger_connections_refused_total", dimensions: [("cap", cap)], factory: factory).increment()
    }

    /// Counts an answered request by its status class.
    package func answered(status: Int) {
        Counter(label: "flowledger_requests_total", dimensions: [("status", String(status))], factory: factory).increment()
    }

    /// Counts a checkpoint the witness at `url` did not cosign (down, refused, or a bad answer).
    package func witnessFailed(url: String) {
        Counter(label: "flowledger_witness_failures_total", dimensions: [("witness", url)], factory: factory).increment()
    }

    /// The Prometheus text exposition.
    package func exposition() -> [UInt8] { registry.emitToBuffer() }
}
